import type { Digest } from '../../domain';
import { sha256Digest } from '../../oci/digest';
import type { Descriptor } from '../../oci/types';
import { COSIGN_SIGNATURE_ANNOTATION } from './cosign-signature';

/** The layer media type of a cosign attestation: the DSSE envelope JSON itself. */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** The layer annotation `cosign attest` sets to the statement's predicate type. Unsigned: a hint, never trusted. */
export const ATTESTATION_PREDICATE_TYPE_ANNOTATION = 'predicateType';

/** The tag cosign's legacy layout keeps attestations under: `sha256-<hex>.att`. */
export const attestationTag = (digest: Digest): string => `${digest.replace(':', '-')}.att`;

/**
 * One `.att` layer as `cosign attest` (v1/v2, without --new-bundle-format) writes it: the envelope as the blob, an
 * empty signature annotation (the signature is inside the envelope) and the predicate type.
 */
export const attestationLayerDescriptor = (envelope: Buffer, predicateType: string): Descriptor => ({
  mediaType: DSSE_ENVELOPE_MEDIA_TYPE,
  size: envelope.length,
  digest: sha256Digest(envelope),
  annotations: { [COSIGN_SIGNATURE_ANNOTATION]: '', [ATTESTATION_PREDICATE_TYPE_ANNOTATION]: predicateType },
});
