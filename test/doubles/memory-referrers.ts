import type { Digest } from '../../shared/core/domain';
import { referrersTag, sha256Digest } from '../../shared/core/oci/digest';
import { RegistryRequestError } from '../../shared/core/oci/errors';
import { emptyIndex, manifestBytes } from '../../shared/core/oci/manifest';
import { EMPTY_JSON, MediaType } from '../../shared/core/oci/media-types';
import type { ImageIndex, ImageManifest } from '../../shared/core/oci/types';
import type { ReferrerArtifact, ReferrerAttacher } from '../../shared/app/signing/referrer-attacher';
import type { MemoryRegistry } from './memory-registry';

/**
 * Attaches referrers to a MemoryRegistry the way cosign v3 and @sigstore/oci lay them out: an empty config, one
 * layer, the image as `subject`; and, on a registry without the referrers API, listed in the `sha256-<hex>`
 * tag-schema index too. A second writer, independent of the production RegistryReferrerAttacher, so the readers
 * are not tested only against what Tollgate's own writer produces.
 */
export class MemoryReferrers implements ReferrerAttacher {
  public constructor(private readonly registry: MemoryRegistry) {}

  public async attach(request: ReferrerArtifact): Promise<Digest> {
    const { registry } = this;
    const subject =
      request.subjectDescriptor ?? (await registry.headManifest(request.repository, request.subject));
    if (subject === undefined) {
      throw new RegistryRequestError(`subject ${request.subject} not found`, 404, ['MANIFEST_UNKNOWN']);
    }
    await registry.putBlob(request.repository, EMPTY_JSON);
    const layer = await registry.putBlob(request.repository, request.artifact);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: request.mediaType,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length },
      layers: [{ mediaType: request.mediaType, digest: layer.digest, size: layer.size }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: request.annotations,
    };
    const bytes = manifestBytes(manifest);
    const { digest } = await registry.putManifest(request.repository, sha256Digest(bytes), {
      mediaType: MediaType.ociManifest,
      bytes,
    });
    if (registry.referrersApi) return digest;

    const tag = referrersTag(request.subject);
    const existing = await registry.findManifest(request.repository, tag);
    const index =
      existing === undefined ? emptyIndex() : (JSON.parse(existing.bytes.toString()) as ImageIndex);
    const next: ImageIndex = {
      ...index,
      manifests: [
        ...index.manifests,
        {
          mediaType: MediaType.ociManifest,
          digest,
          size: bytes.length,
          artifactType: request.mediaType,
          annotations: request.annotations,
        },
      ],
    };
    await registry.putManifest(request.repository, tag, {
      mediaType: MediaType.ociIndex,
      bytes: manifestBytes(next),
    });
    return digest;
  }
}
