export {
  envelopeSignedBy,
  preAuthenticationEncoding,
  verifyAttestationEnvelope,
  type AttestationExpectation,
} from './attestation-envelope';
export { publicKeyTrustMaterial, verifyBundle, type BundleExpectation } from './bundle';
export { bundleShapeProblem, statementShapeProblem, type ShapeProblem } from './bundle-shape';
export { repositoryName, sameRepository } from './docker-reference';
export { cosignKeyHint, sha256KeyId } from './key-ids';
export { verifyLegacySignature, type LegacyExpectation, type LegacySignatureLayer } from './legacy';
export { pemPublicKey, type PublicKeyMaterial, type PublicKeySource } from './public-key';
export {
  readLegacyAttestations,
  type StoredAttestationLayer,
  type StoredLegacyAttestations,
} from './read-attestations';
export {
  readBundleReferrers,
  readLegacySignatures,
  type StoredBundle,
  type StoredBundles,
  type StoredLegacySignatures,
} from './read-signatures';
export {
  accepted,
  rejected,
  type SignatureFormat,
  type VerificationReason,
  type VerificationResult,
} from './result';
export { parseSimpleSigning, SimpleSigningFormatError, type SimpleSigningClaims } from './simple-signing';
export { checkStatement, type StatementCheck } from './statement';
export { parseStrictJson, StrictJsonError } from './strict-json';
export {
  PREDICATE_TYPE_BY_FORMAT,
  verifyImageSignatures,
  type VerifyImageDeps,
  type VerifyImageOptions,
} from './verify-image';
