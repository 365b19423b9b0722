import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType } from '../../shared/adapters/oci';
import { ociError, type CannedAnswer } from './faults';

/** One entry of a referrers listing, as the OCI distribution spec v1.1 defines it. */
export interface ReferrerDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What the front reads from a pushed manifest: its own media types, its subject, its listing descriptor. */
export interface PushedManifest {
  readonly mediaType: string;
  readonly isIndex: boolean;
  /** Every media type the manifest declares: its own, artifactType, config, layers, entries, subject. */
  readonly declaredMediaTypes: readonly string[];
  readonly subject?: { readonly digest: string; readonly mediaType?: string };
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[0-9a-f]{64}$/;

export const isDigestReference = (reference: string): boolean => DIGEST.test(reference);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringsOf = (value: unknown): Record<string, string> | undefined => {
  if (!isRecord(value)) return undefined;
  const entries = Object.entries(value).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return Object.fromEntries(entries);
};

/** Reads a manifest body; `undefined` when it is no JSON object (the registry behind refuses it itself). */
export const readPushedManifest = (
  bytes: Buffer,
  contentType: string | undefined,
): PushedManifest | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const mediaType =
    typeof parsed.mediaType === 'string' ? parsed.mediaType : (contentType ?? MediaType.ociManifest);
  const isIndex = INDEX_MEDIA_TYPES.includes(mediaType) || Array.isArray(parsed.manifests);
  const declared: string[] = [];
  const declare = (value: unknown): void => {
    if (typeof value === 'string') declared.push(value);
  };
  declare(parsed.mediaType);
  declare(parsed.artifactType);
  const config = isRecord(parsed.config) ? parsed.config : undefined;
  declare(config?.mediaType);
  for (const list of [parsed.layers, parsed.manifests]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!isRecord(entry)) continue;
      declare(entry.mediaType);
      declare(entry.artifactType);
    }
  }
  const subject = isRecord(parsed.subject) ? parsed.subject : undefined;
  declare(subject?.mediaType);
  const subjectDigest =
    typeof subject?.digest === 'string' && DIGEST.test(subject.digest) ? subject.digest : undefined;
  // The spec: artifactType as the manifest sets it; else, for an image manifest, its config's media type;
  // for an index, none.
  const artifactType =
    typeof parsed.artifactType === 'string' && parsed.artifactType !== ''
      ? parsed.artifactType
      : !isIndex && typeof config?.mediaType === 'string'
        ? config.mediaType
        : undefined;
  const annotations = stringsOf(parsed.annotations);
  return {
    mediaType,
    isIndex,
    declaredMediaTypes: declared,
    ...(subjectDigest === undefined
      ? {}
      : {
          subject: {
            digest: subjectDigest,
            ...(typeof subject?.mediaType === 'string' ? { mediaType: subject.mediaType } : {}),
          },
        }),
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations }),
  };
};

/** The descriptor a referrers listing gives a manifest stored as `digest`, `size` bytes. */
export const listingDescriptor = (
  manifest: PushedManifest,
  digest: string,
  size: number,
): ReferrerDescriptor => ({
  mediaType: manifest.mediaType,
  digest,
  size,
  ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
  ...(manifest.annotations === undefined ? {} : { annotations: manifest.annotations }),
});

type JournalLine =
  | {
      readonly put: {
        readonly repository: string;
        readonly subject: string;
        readonly descriptor: ReferrerDescriptor;
      };
    }
  | { readonly delete: { readonly repository: string; readonly digest: string } };

/**
 * Which manifests name which subject, per repository: what the registry behind (Distribution 2.8) does not
 * keep. Learnt from the manifests PUT through the front; with a journal file, every change is appended to it
 * and replayed on start, so the listing survives a restart of the front (the registry's storage does too).
 */
export class ReferrersIndex {
  /** `repository@subject` → referrer digest → descriptor, in the order they were pushed. */
  readonly #bySubject = new Map<string, Map<string, ReferrerDescriptor>>();
  /** `repository@referrer` → its subject. */
  readonly #subjectOf = new Map<string, string>();

  public constructor(private readonly journalFile?: string) {
    if (journalFile === undefined) return;
    mkdirSync(dirname(journalFile), { recursive: true });
    if (!existsSync(journalFile)) return;
    for (const line of readFileSync(journalFile, 'utf8').split('\n')) {
      let entry: JournalLine;
      try {
        entry = JSON.parse(line) as JournalLine;
      } catch {
        continue; // An empty line, or the last one torn by a crash mid-write.
      }
      if ('put' in entry) this.#add(entry.put.repository, entry.put.subject, entry.put.descriptor);
      else if ('delete' in entry) this.#remove(entry.delete.repository, entry.delete.digest);
    }
  }

  /** Records a referrer; `persist: false` for what is derived again on every start (the tag-schema import). */
  public add(repository: string, subject: string, descriptor: ReferrerDescriptor, persist = true): void {
    const known = this.#bySubject.get(key(repository, subject))?.get(descriptor.digest);
    if (known !== undefined) return;
    this.#add(repository, subject, descriptor);
    if (persist) this.#append({ put: { repository, subject, descriptor } });
  }

  /** Drops a deleted manifest from the listing of its subject. */
  public remove(repository: string, digest: string): void {
    if (!this.#remove(repository, digest)) return;
    this.#append({ delete: { repository, digest } });
  }

  public list(repository: string, subject: string): ReferrerDescriptor[] {
    return [...(this.#bySubject.get(key(repository, subject))?.values() ?? [])];
  }

  #add(repository: string, subject: string, descriptor: ReferrerDescriptor): void {
    const listing = this.#bySubject.get(key(repository, subject)) ?? new Map<string, ReferrerDescriptor>();
    listing.set(descriptor.digest, descriptor);
    this.#bySubject.set(key(repository, subject), listing);
    this.#subjectOf.set(key(repository, descriptor.digest), subject);
  }

  #remove(repository: string, digest: string): boolean {
    const subject = this.#subjectOf.get(key(repository, digest));
    if (subject === undefined) return false;
    this.#subjectOf.delete(key(repository, digest));
    const listing = this.#bySubject.get(key(repository, subject));
    listing?.delete(digest);
    if (listing?.size === 0) this.#bySubject.delete(key(repository, subject));
    return true;
  }

  #append(line: JournalLine): void {
    if (this.journalFile !== undefined) appendFileSync(this.journalFile, `${JSON.stringify(line)}\n`);
  }
}

const key = (repository: string, digest: string): string => `${repository}@${digest}`;

/**
 * `GET /v2/<name>/referrers/<digest>`: 200 and an image index of the descriptors, filtered by `artifactType`
 * when asked (with `OCI-Filters-Applied: artifactType`), an empty one when there are none; never 404.
 */
export const referrersAnswer = (
  descriptors: readonly ReferrerDescriptor[],
  artifactType: string | undefined,
): CannedAnswer => {
  const filtered =
    artifactType === undefined ? descriptors : descriptors.filter((one) => one.artifactType === artifactType);
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: filtered });
  return {
    status: 200,
    headers: {
      'content-type': MediaType.ociIndex,
      ...(artifactType === undefined ? {} : { 'oci-filters-applied': 'artifactType' }),
    },
    body,
  };
};

export const digestInvalid = (reference: string): CannedAnswer =>
  ociError(400, 'DIGEST_INVALID', `invalid digest: ${reference}`);

/** A GET to the registry behind, by the front itself. */
export type UpstreamGet = (
  path: string,
  accept: string,
) => Promise<{ readonly status: number; readonly body: Buffer }>;

/**
 * The referrers of `subject` that the referrers tag schema lists (`sha256-<hex>` tagging an index), each
 * checked against its own manifest: the spec requires a registry enabling the API to include them, and they are
 * what a client wrote to plain Distribution before the front was there. Read again on every start, not journaled.
 */
export const tagSchemaReferrers = async (
  get: UpstreamGet,
  repository: string,
  subject: string,
): Promise<ReferrerDescriptor[]> => {
  if (!SHA256.test(subject)) return [];
  const index = await get(
    `/v2/${repository}/manifests/sha256-${subject.slice(7)}`,
    INDEX_MEDIA_TYPES.join(', '),
  );
  if (index.status !== 200) return [];
  const listed = readPushedManifest(index.body, undefined);
  if (listed === undefined || !listed.isIndex) return [];
  const parsed = JSON.parse(index.body.toString('utf8')) as { manifests?: unknown };
  const found: ReferrerDescriptor[] = [];
  for (const entry of Array.isArray(parsed.manifests) ? parsed.manifests : []) {
    const digest = isRecord(entry) && typeof entry.digest === 'string' ? entry.digest : undefined;
    if (digest === undefined || !SHA256.test(digest)) continue;
    const manifest = await get(`/v2/${repository}/manifests/${digest}`, MANIFEST_MEDIA_TYPES.join(', '));
    if (manifest.status !== 200) continue;
    if (`sha256:${createHash('sha256').update(manifest.body).digest('hex')}` !== digest) continue;
    const read = readPushedManifest(manifest.body, undefined);
    if (read?.subject?.digest !== subject) continue;
    found.push(listingDescriptor(read, digest, manifest.body.length));
  }
  return found;
};
