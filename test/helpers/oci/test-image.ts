import { randomBytes } from 'node:crypto';
import type { Digest } from '../../../shared/core/domain';
import {
  manifestBytes,
  MediaType,
  sha256Digest,
  type Descriptor,
  type ImageManifest,
  type RegistryClient,
} from '../../../shared/adapters/oci';

export interface PushedImage {
  readonly digest: Digest;
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

/** Pushes a small OCI image built in code: a config, one layer of random bytes, a manifest; by digest only. */
export const pushTestImage = async (
  client: RegistryClient,
  repository: string,
  platform: { readonly architecture: string; readonly os: string } = { architecture: 'amd64', os: 'linux' },
): Promise<PushedImage> => {
  const layer = randomBytes(64);
  const config = Buffer.from(
    JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] }, config: {} }),
  );
  await client.putBlob(repository, layer);
  await client.putBlob(repository, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: MediaType.ociLayer, digest: sha256Digest(layer), size: layer.length }],
  };
  return pushManifest(client, repository, MediaType.ociManifest, manifestBytes(manifest));
};

/** Pushes two platform images and an OCI index listing them. */
export const pushTestIndex = async (
  client: RegistryClient,
  repository: string,
): Promise<PushedImage & { readonly children: readonly PushedImage[] }> => {
  const platforms = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
  ];
  const children = await Promise.all(
    platforms.map((platform) => pushTestImage(client, repository, platform)),
  );
  const index = {
    schemaVersion: 2 as const,
    mediaType: MediaType.ociIndex,
    manifests: children.map((child, i) => ({ ...child.descriptor, platform: platforms[i]! })),
  };
  const pushed = await pushManifest(client, repository, MediaType.ociIndex, manifestBytes(index));
  return { ...pushed, children };
};

const pushManifest = async (
  client: RegistryClient,
  repository: string,
  mediaType: string,
  bytes: Buffer,
): Promise<PushedImage> => {
  const digest = sha256Digest(bytes);
  await client.putManifest(repository, digest, { mediaType, bytes });
  return { digest, bytes, descriptor: { mediaType, digest, size: bytes.length } };
};
