import type { Digest } from '../../core/domain';
import { isUnreadableArtifact } from '../../core/oci/errors';
import { MAX_SIGNATURES_READ, SIGNATURE_READ_CONCURRENCY, signatureLimits } from '../../core/oci/limits';
import { mapLimited } from '../../core/oci/map-limited';
import { parseManifest } from '../../core/oci/manifest';
import type { RegistryClient } from '../ports/registry-client';
import type { Descriptor, FetchedManifest, ImageManifest } from '../../core/oci/types';
import {
  ATTESTATION_PREDICATE_TYPE_ANNOTATION,
  attestationTag,
  DSSE_ENVELOPE_MEDIA_TYPE,
} from '../../core/formats/manifest/cosign-attestation';

export interface StoredAttestationLayer {
  readonly descriptor: Descriptor;
  /** The layer's `predicateType` annotation. Unsigned: which check applies, never whether it passes. */
  readonly claimedPredicateType: string | undefined;
  /** The DSSE envelope JSON; empty for a layer of another media type or one that was not read. */
  readonly envelope: Buffer;
  /** Why the envelope was not read (too large, too many layers, not what its descriptor claims). */
  readonly unreadable?: string;
}

export interface StoredLegacyAttestations {
  readonly manifest: FetchedManifest;
  /** `undefined` when the tag holds something other than an image manifest (then it holds no attestations). */
  readonly parsed: ImageManifest | undefined;
  readonly layers: readonly StoredAttestationLayer[];
}

/**
 * The `sha256-<hex>.att` manifest of `digest` (cosign's legacy attestation layout) with every DSSE layer's
 * envelope, or `undefined` when there is none. Bounded like the `.sig` reader: each envelope by the signature
 * limit, at most MAX_SIGNATURES_READ of them, SIGNATURE_READ_CONCURRENCY at a time.
 */
export const readLegacyAttestations = async (
  client: RegistryClient,
  repository: string,
  digest: Digest,
): Promise<StoredLegacyAttestations | undefined> => {
  const manifest = await client.findManifest(repository, attestationTag(digest));
  if (manifest === undefined) return undefined;
  const parsed = parseManifest(manifest);
  if (parsed.kind !== 'image') return { manifest, parsed: undefined, layers: [] };
  let seen = 0;
  const plan = parsed.manifest.layers.map((descriptor) => {
    const isEnvelope = descriptor.mediaType === DSSE_ENVELOPE_MEDIA_TYPE;
    if (isEnvelope) seen += 1;
    return { descriptor, isEnvelope, read: isEnvelope && seen <= MAX_SIGNATURES_READ };
  });
  const layers = await mapLimited(
    plan,
    SIGNATURE_READ_CONCURRENCY,
    async ({ descriptor, isEnvelope, read }): Promise<StoredAttestationLayer> => {
      const layer = {
        descriptor,
        claimedPredicateType: descriptor.annotations?.[ATTESTATION_PREDICATE_TYPE_ANNOTATION],
        envelope: Buffer.alloc(0),
      };
      if (!isEnvelope) return layer;
      if (!read) return { ...layer, unreadable: `not read: more than ${MAX_SIGNATURES_READ} attestations` };
      try {
        return {
          ...layer,
          envelope: await client.getBlob(repository, descriptor.digest, signatureLimits(descriptor)),
        };
      } catch (error) {
        if (!isUnreadableArtifact(error)) throw error;
        return { ...layer, unreadable: error.message };
      }
    },
  );
  return { manifest, parsed: parsed.manifest, layers };
};
