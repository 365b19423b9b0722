import { TerminalError, type Digest } from '../../core/domain';
import { referrersTag, sha256Digest } from '../../core/oci/digest';
import { RegistryRequestError } from '../../core/oci/errors';
import { manifestBytes } from '../../core/oci/manifest';
import { putReferrersIndex, referrersIndexOf } from '../../app/registry/referrers';
import { EMPTY_JSON, MediaType } from '../../core/oci/media-types';
import type { RegistryClient } from '../../app/ports/registry-client';
import type { Descriptor, PutManifestResult } from '../../core/oci/types';
import type { ReferrerArtifact, ReferrerAttacher } from '../../app/signing/referrer-attacher';

/**
 * Attaches referrers through Tollgate's own registry client: the credentials it already holds, the subject
 * descriptor the caller already read (no `HEAD`), and, on registries without the referrers API, one read and one
 * write of the `sha256-<hex>` tag-schema index. Whether the registry has the API is asked once per attacher
 * (container), and not at all when the manifest `PUT` gives no `OCI-Subject` (then it cannot list it).
 *
 * The index update is read-append-write: a concurrent writer can overwrite it, which is why signing re-reads the
 * listing after attaching and attaches again when its referrer is missing.
 */
export class RegistryReferrerAttacher implements ReferrerAttacher {
  #referrersApi: boolean | undefined;

  public constructor(private readonly registry: RegistryClient) {}

  public async attach(request: ReferrerArtifact): Promise<Digest> {
    const subject = request.subjectDescriptor ?? (await this.subject(request.repository, request.subject));
    const annotations = {
      'org.opencontainers.image.created': new Date().toISOString(),
      ...request.annotations,
    };
    const { bytes, stored } = await this.push(request, subject, annotations);
    if (
      stored.subjectDigest === undefined ||
      !(await this.hasReferrersApi(request.repository, request.subject))
    ) {
      await this.list(request.repository, request.subject, {
        mediaType: MediaType.ociManifest,
        digest: stored.digest,
        size: bytes.length,
        artifactType: request.mediaType,
        annotations,
      });
    }
    return stored.digest;
  }

  /** The artifact layer, the `{}` config and the referrer manifest, by digest. */
  private async push(
    request: ReferrerArtifact,
    subject: Descriptor,
    annotations: Readonly<Record<string, string>>,
  ): Promise<{ readonly bytes: Buffer; readonly stored: PutManifestResult }> {
    for (let round = 1; ; round += 1) {
      const [layer, config] = await Promise.all([
        // A bundle holds a signature made for this write: new by construction.
        this.registry.putBlob(request.repository, request.artifact, { fresh: true }),
        this.registry.putBlob(request.repository, EMPTY_JSON),
      ]);
      const bytes = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: request.mediaType,
        config: { mediaType: MediaType.ociEmpty, digest: config.digest, size: config.size },
        layers: [{ mediaType: request.mediaType, digest: layer.digest, size: layer.size }],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
        annotations,
      });
      try {
        const stored = await this.registry.putManifest(request.repository, sha256Digest(bytes), {
          mediaType: MediaType.ociManifest,
          bytes,
        });
        return { bytes, stored };
      } catch (error) {
        // Concurrent uploads of the shared `{}` config can leave Distribution briefly claiming it unknown.
        if (!blobUnknown(error) || round === BLOB_UNKNOWN_ROUNDS) throw error;
        await pause(round);
      }
    }
  }

  private async subject(repository: string, digest: Digest): Promise<Descriptor> {
    const found = await this.registry.headManifest(repository, digest);
    if (found === undefined) {
      throw new TerminalError(
        'REGISTRY_UNREACHABLE',
        `${this.registry.host}/${repository}@${digest} does not exist`,
      );
    }
    return found;
  }

  private async hasReferrersApi(repository: string, subject: Digest): Promise<boolean> {
    this.#referrersApi ??= (await this.registry.referrers(repository, subject)) !== undefined;
    return this.#referrersApi;
  }

  /** Adds the referrer to the tag-schema index, unless it is listed already: one read, one write. */
  private async list(repository: string, subject: Digest, referrer: Descriptor): Promise<void> {
    const current = await this.registry.findManifest(repository, referrersTag(subject));
    const index = referrersIndexOf(current);
    if (index.manifests.some((listed) => listed.digest === referrer.digest)) return;
    await putReferrersIndex(
      this.registry,
      repository,
      subject,
      index,
      [...index.manifests, referrer],
      current?.etag,
    );
  }
}

const BLOB_UNKNOWN_ROUNDS = 4;

const blobUnknown = (error: unknown): boolean =>
  error instanceof RegistryRequestError && error.registryCodes.includes('MANIFEST_BLOB_UNKNOWN');

const pause = (round: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * round));
