import { verify, type KeyObject } from 'node:crypto';
import type { Digest } from '../domain';
import { COSIGN_SIGNATURE_ANNOTATION } from '../formats/manifest/cosign-signature';
import { MediaType } from '../oci/media-types';
import { accepted, rejected, type VerificationResult } from './result';
import { sameRepository } from './docker-reference';
import { parseSimpleSigning } from './simple-signing';

/** One layer of a `.sig` manifest, with its blob already read. */
export interface LegacySignatureLayer {
  readonly mediaType: string;
  readonly payload: Buffer;
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Set when the blob was not read (over the size limit, more signatures than are read, bytes that do not hash to
   * the digest): why. `payload` is then empty, and the layer is reported as UNREADABLE, never as valid.
   */
  readonly unreadable?: string;
}

export interface LegacyExpectation {
  readonly digest: Digest;
  /** `<registry>/<repository>` the image is checked as. */
  readonly identity: string;
}

/**
 * Verifies one cosign legacy signature the way containers/image does: the signature first (nothing in an
 * unverified payload is believed), then the strict payload, then digest and repository.
 */
export const verifyLegacySignature = (
  layer: LegacySignatureLayer,
  expected: LegacyExpectation,
  key: KeyObject,
  reference?: string,
): VerificationResult => {
  const no = (reason: Parameters<typeof rejected>[1], message: string): VerificationResult =>
    rejected('cosign-legacy', reason, message, reference);
  if (layer.unreadable !== undefined) return no('UNREADABLE', layer.unreadable);
  if (layer.mediaType !== MediaType.cosignSimpleSigning) {
    return no(
      'WRONG_MEDIA_TYPE',
      `layer media type ${layer.mediaType} is not ${MediaType.cosignSimpleSigning}`,
    );
  }
  const encoded = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
  if (encoded === undefined || encoded === '')
    return no('MISSING_SIGNATURE', `no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
  const signature = Buffer.from(encoded, 'base64');
  if (!verifies(layer.payload, key, signature))
    return no('SIGNATURE_INVALID', 'the signature does not verify with the trusted key');
  let claims;
  try {
    claims = parseSimpleSigning(layer.payload);
  } catch (error) {
    return no('MALFORMED_PAYLOAD', `signed payload rejected: ${(error as Error).message}`);
  }
  if (claims.dockerManifestDigest !== expected.digest) {
    return no('DIGEST_MISMATCH', `signed digest ${claims.dockerManifestDigest} is not ${expected.digest}`);
  }
  if (!sameRepository(claims.dockerReference, expected.identity)) {
    return no('IDENTITY_MISMATCH', `signed for ${claims.dockerReference}, not ${expected.identity}`);
  }
  return accepted(
    'cosign-legacy',
    `signed by the trusted key for ${claims.dockerReference}@${expected.digest}`,
    reference,
  );
};

// A malformed DER signature makes node throw; for a verifier it is simply a signature that does not verify.
const verifies = (payload: Buffer, key: KeyObject, signature: Buffer): boolean => {
  try {
    return verify('sha256', payload, key, signature);
  } catch {
    return false;
  }
};
