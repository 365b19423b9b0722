import { KmsSigner } from '../../../shared/adapters/aws/kms';
import {
  VERDICT_SCHEMA_VERSION,
  type ApprovedVerdict,
  type Digest,
  type ImageRef,
} from '../../../shared/core/domain';
import {
  EMPTY_JSON,
  manifestBytes,
  MediaType,
  sha256Digest,
  type ImageManifest,
} from '../../../shared/adapters/oci';
import { signImage, type ReferrerArtifact, type ReferrerAttacher } from '../../../shared/app/signing';
import type { SignatureFormat } from '../../../shared/app/verify';
import { localKms, type LocalKms } from '../../helpers/oci';
import type { MemoryRegistry } from './memory-registry';

/** Pushes referrers the way cosign v3 lays them out (empty config, one layer, subject), into the memory registry. */
export const memoryAttacher = (registry: MemoryRegistry): ReferrerAttacher => ({
  attach: async (artifact: ReferrerArtifact): Promise<Digest> => {
    await registry.putBlob(artifact.repository, EMPTY_JSON);
    const layer = await registry.putBlob(artifact.repository, artifact.artifact);
    const subject = await registry.headManifest(artifact.repository, artifact.subject);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: artifact.mediaType,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length },
      layers: [{ mediaType: artifact.mediaType, digest: layer.digest, size: layer.size }],
      ...(subject === undefined ? {} : { subject }),
      annotations: artifact.annotations,
    };
    const bytes = manifestBytes(manifest);
    return (
      await registry.putManifest(artifact.repository, sha256Digest(bytes), {
        mediaType: MediaType.ociManifest,
        bytes,
      })
    ).digest;
  },
});

/** Pushes a small image (config + one layer) by digest, and optionally under a tag. */
export const pushImage = async (
  registry: MemoryRegistry,
  repository: string,
  tag?: string,
): Promise<Digest> => {
  const layer = await registry.putBlob(repository, Buffer.from(`layer ${Math.random()}`));
  const config = await registry.putBlob(repository, Buffer.from('{"architecture":"amd64","os":"linux"}'));
  const bytes = manifestBytes({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, ...config },
    layers: [{ mediaType: MediaType.ociLayer, ...layer }],
  });
  const { digest } = await registry.putManifest(repository, tag ?? sha256Digest(bytes), {
    mediaType: MediaType.ociManifest,
    bytes,
  });
  return digest;
};

export const approvedVerdict = (image: ImageRef, completedAt: string): ApprovedVerdict => ({
  schemaVersion: VERDICT_SCHEMA_VERSION,
  outcome: 'APPROVED',
  image,
  mode: 'enforce',
  reasons: [],
  warnings: [],
  decidedAt: completedAt,
  policyDigest: `sha256:${'ab'.repeat(32)}`,
  scan: { scanner: 'INSPECTOR', status: 'COMPLETE', completedAt, severityCounts: { LOW: 1 } },
  blocking: [],
  blockingTotal: 0,
  exceptionsApplied: [],
});

/** Signs for real (a local P-256 key behind the KMS mock) in the memory registry. */
export const signInMemory = async (
  registry: MemoryRegistry,
  image: ImageRef,
  options: {
    readonly kms?: LocalKms;
    readonly formats?: readonly SignatureFormat[];
    readonly scanFinishedOn?: string;
  } = {},
): Promise<LocalKms> => {
  const kms = options.kms ?? localKms();
  const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
  await signImage(
    {
      signer,
      publicKey: signer,
      registry,
      referrers: memoryAttacher(registry),
      backoff: () => Promise.resolve(),
    },
    image,
    approvedVerdict(image, options.scanFinishedOn ?? '2030-01-01T00:00:00.000Z'),
    options.formats,
  );
  return kms;
};
