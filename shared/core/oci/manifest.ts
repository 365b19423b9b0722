import { isDigest } from '../domain';
import { RegistryIntegrityError } from './errors';
import { INDEX_MEDIA_TYPES, MediaType } from './media-types';
import type { Descriptor, FetchedManifest, ImageIndex, ImageManifest, ParsedManifest } from './types';

/** Reads a manifest the registry served. Shape checks only: enough to walk it, not to trust it. */
export const parseManifest = (
  fetched: Pick<FetchedManifest, 'bytes' | 'mediaType' | 'digest'>,
): ParsedManifest => {
  let body: unknown;
  try {
    body = JSON.parse(fetched.bytes.toString('utf8'));
  } catch (error) {
    throw new RegistryIntegrityError(`manifest ${fetched.digest} is not JSON`, { cause: error });
  }
  if (typeof body !== 'object' || body === null)
    throw new RegistryIntegrityError(`manifest ${fetched.digest} is not an object`);
  const record = body as Record<string, unknown>;
  const mediaType = typeof record.mediaType === 'string' ? record.mediaType : fetched.mediaType;
  if (
    INDEX_MEDIA_TYPES.includes(mediaType) ||
    (Array.isArray(record.manifests) && record.config === undefined)
  ) {
    if (!Array.isArray(record.manifests) || !record.manifests.every(isDescriptor)) {
      throw new RegistryIntegrityError(`index ${fetched.digest} has malformed manifests`);
    }
    return { kind: 'index', manifest: body as ImageIndex };
  }
  if (!isDescriptor(record.config) || !Array.isArray(record.layers) || !record.layers.every(isDescriptor)) {
    throw new RegistryIntegrityError(
      `manifest ${fetched.digest} (${mediaType}) has no valid config and layers`,
    );
  }
  return { kind: 'image', manifest: body as ImageManifest };
};

export const isDescriptor = (value: unknown): value is Descriptor => {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.mediaType === 'string' && isDigest(record.digest) && typeof record.size === 'number';
};

/** Serializes a manifest the way it is stored: compact JSON, so its digest is the digest of these bytes. */
export const manifestBytes = (manifest: ImageManifest | ImageIndex): Buffer =>
  Buffer.from(JSON.stringify(manifest));

export const emptyIndex = (): ImageIndex => ({
  schemaVersion: 2,
  mediaType: MediaType.ociIndex,
  manifests: [],
});
