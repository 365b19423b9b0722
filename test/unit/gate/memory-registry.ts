import { isDigest, type Digest } from '../../../shared/core/domain';
import {
  isNotFound,
  RegistryRequestError,
  sha256Digest,
  type Descriptor,
  type FetchedManifest,
  type ManifestUpload,
  type PutManifestResult,
  type RegistryClient,
} from '../../../shared/adapters/oci';

/**
 * A registry in memory for unit tests: manifests by tag and digest, blobs, and the referrers API computed from
 * stored manifests' `subject` (or absent, to exercise the tag-schema fallback). No network.
 */
export class MemoryRegistry implements RegistryClient {
  readonly #manifests = new Map<string, FetchedManifest>();
  readonly #blobs = new Map<string, Buffer>();
  public readonly requests: string[] = [];

  public constructor(
    public readonly host = 'registry.example',
    private readonly referrersApi = true,
  ) {}

  public getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    this.requests.push(`GET ${repository}/manifests/${reference}`);
    const found = this.#manifests.get(`${repository}@${reference}`);
    if (found === undefined) {
      return Promise.reject(
        new RegistryRequestError(`${repository}:${reference} not found`, 404, ['MANIFEST_UNKNOWN']),
      );
    }
    return Promise.resolve(found);
  }

  public async findManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    try {
      return await this.getManifest(repository, reference);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  public headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    const found = this.#manifests.get(`${repository}@${reference}`);
    return Promise.resolve(
      found === undefined
        ? undefined
        : { mediaType: found.mediaType, digest: found.digest, size: found.bytes.length },
    );
  }

  public putManifest(
    repository: string,
    reference: string,
    manifest: ManifestUpload,
  ): Promise<PutManifestResult> {
    const digest = sha256Digest(manifest.bytes);
    const stored: FetchedManifest = { digest, mediaType: manifest.mediaType, bytes: manifest.bytes };
    this.#manifests.set(`${repository}@${digest}`, stored);
    if (!isDigest(reference)) this.#manifests.set(`${repository}@${reference}`, stored);
    return Promise.resolve({ digest });
  }

  /** Stores bytes under a digest they do not hash to: only a fake can, the real client refuses such answers. */
  public putRawManifest(repository: string, digest: Digest, bytes: Buffer, mediaType: string): void {
    this.#manifests.set(`${repository}@${digest}`, { digest, mediaType, bytes });
  }

  public deleteManifest(repository: string, digest: Digest): Promise<boolean> {
    return Promise.resolve(this.#manifests.delete(`${repository}@${digest}`));
  }

  public getBlob(repository: string, digest: Digest): Promise<Buffer> {
    const blob = this.#blobs.get(`${repository}@${digest}`);
    if (blob === undefined) return Promise.reject(new RegistryRequestError(`blob ${digest} not found`, 404));
    return Promise.resolve(blob);
  }

  public hasBlob(repository: string, digest: Digest): Promise<boolean> {
    return Promise.resolve(this.#blobs.has(`${repository}@${digest}`));
  }

  public putBlob(
    repository: string,
    bytes: Buffer,
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    const digest = sha256Digest(bytes);
    this.#blobs.set(`${repository}@${digest}`, bytes);
    return Promise.resolve({ digest, size: bytes.length });
  }

  public listTags(repository: string): Promise<string[]> {
    const prefix = `${repository}@`;
    return Promise.resolve(
      [...this.#manifests.keys()]
        .filter((key) => key.startsWith(prefix) && !isDigest(key.slice(prefix.length)))
        .map((key) => key.slice(prefix.length)),
    );
  }

  public referrers(repository: string, digest: Digest): Promise<readonly Descriptor[] | undefined> {
    if (!this.referrersApi) return Promise.resolve(undefined);
    const seen = new Set<string>();
    const result: Descriptor[] = [];
    for (const [key, manifest] of this.#manifests) {
      if (!key.startsWith(`${repository}@sha256:`) || seen.has(manifest.digest)) continue;
      seen.add(manifest.digest);
      const parsed = parseJson(manifest.bytes);
      if (parsed?.subject?.digest !== digest) continue;
      const artifactType = parsed.artifactType ?? parsed.config?.mediaType;
      result.push({
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
        ...(artifactType === undefined ? {} : { artifactType }),
        ...(parsed.annotations === undefined ? {} : { annotations: parsed.annotations }),
      });
    }
    return Promise.resolve(result);
  }

  public requiresAuth(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

interface ManifestFields {
  readonly subject?: { readonly digest?: string };
  readonly artifactType?: string;
  readonly config?: { readonly mediaType?: string };
  readonly annotations?: Record<string, string>;
}

const parseJson = (bytes: Buffer): ManifestFields | undefined => {
  try {
    return JSON.parse(bytes.toString()) as ManifestFields;
  } catch {
    return undefined;
  }
};
