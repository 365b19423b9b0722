import type { Digest } from '../../domain';
import { sha256Digest } from '../../oci/digest';
import { MediaType } from '../../oci/media-types';
import type { Descriptor, ImageManifest } from '../../oci/types';

export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** What one cosign signature layer holds: the payload blob and, in an annotation, its signature. */
export interface SignatureLayer {
  readonly payload: Buffer;
  /** DER ECDSA signature over `payload`, base64 as the annotation carries it. */
  readonly signature: string;
}

export interface BlobToUpload {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

/** A `.sig` manifest and the blobs it needs that may not be in the registry yet. */
export interface SignatureManifest {
  readonly manifest: ImageManifest;
  readonly bytes: Buffer;
  readonly blobs: readonly BlobToUpload[];
}

export const signatureLayerDescriptor = (layer: SignatureLayer): Descriptor => ({
  mediaType: MediaType.cosignSimpleSigning,
  size: layer.payload.length,
  digest: sha256Digest(layer.payload),
  annotations: { [COSIGN_SIGNATURE_ANNOTATION]: layer.signature },
});

/**
 * The image config cosign writes for a `.sig` manifest (go-containerregistry's empty image with the layers
 * appended): zero times, empty platform, one history entry and one diff_id per layer. Signature layers are not
 * compressed, so each diff_id is the layer digest.
 */
export const signatureConfig = (layers: readonly Descriptor[]): Buffer =>
  Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
      config: {},
    }),
  );

/**
 * The `.sig` manifest with `layer` appended to whatever `existing` layers there are (other signers' layers are
 * kept untouched). The config is rebuilt so its diff_ids always list exactly the layers.
 */
export const signatureManifest = (
  existingLayers: readonly Descriptor[],
  layer: SignatureLayer,
  existingAnnotations?: Readonly<Record<string, string>>,
): SignatureManifest => {
  const ours = signatureLayerDescriptor(layer);
  const built = signatureManifestWithLayers([...existingLayers, ours], existingAnnotations);
  return { ...built, blobs: [...built.blobs, { descriptor: ours, bytes: layer.payload }] };
};

/**
 * A `.sig` manifest holding exactly `layers`, e.g. what is left after our own layer is taken out. Only the
 * config is new: every layer's blob is already in the repository.
 */
export const signatureManifestWithLayers = (
  layers: readonly Descriptor[],
  annotations?: Readonly<Record<string, string>>,
): SignatureManifest => {
  const config = signatureConfig(layers);
  const configDescriptor: Descriptor = {
    mediaType: MediaType.ociConfig,
    size: config.length,
    digest: sha256Digest(config),
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: configDescriptor,
    layers: layers.map(orderedDescriptor),
    ...(annotations === undefined ? {} : { annotations }),
  };
  return {
    manifest,
    bytes: Buffer.from(JSON.stringify(manifest)),
    blobs: [{ descriptor: configDescriptor, bytes: config }],
  };
};

// go-containerregistry writes descriptor fields in this order; keeping it makes our manifests look like cosign's.
const orderedDescriptor = (descriptor: Descriptor): Descriptor => ({
  mediaType: descriptor.mediaType,
  size: descriptor.size,
  digest: descriptor.digest,
  ...(descriptor.urls === undefined ? {} : { urls: descriptor.urls }),
  ...(descriptor.annotations === undefined ? {} : { annotations: descriptor.annotations }),
  ...(descriptor.platform === undefined ? {} : { platform: descriptor.platform }),
  ...(descriptor.artifactType === undefined ? {} : { artifactType: descriptor.artifactType }),
});

/** The tag cosign's legacy layout keeps signatures under: `sha256-<hex>.sig`. */
export const signatureTag = (digest: Digest): string => `${digest.replace(':', '-')}.sig`;
