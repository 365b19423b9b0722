export {
  envelopeSignedBy,
  preAuthenticationEncoding,
  verifyAttestationEnvelope,
  type AttestationExpectation,
} from '../../core/verify/attestation-envelope';
export { publicKeyTrustMaterial, verifyBundle, type BundleExpectation } from '../../core/verify/bundle';
export { bundleShapeProblem, statementShapeProblem, type ShapeProblem } from '../../core/verify/bundle-shape';
export { repositoryName, sameRepository } from '../../core/verify/docker-reference';
export { cosignKeyHint, sha256KeyId } from '../../core/verify/key-ids';
export {
  verifyLegacySignature,
  type LegacyExpectation,
  type LegacySignatureLayer,
} from '../../core/verify/legacy';
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
} from '../../core/verify/result';
export {
  parseSimpleSigning,
  SimpleSigningFormatError,
  type SimpleSigningClaims,
} from '../../core/verify/simple-signing';
export { checkStatement, type StatementCheck } from '../../core/verify/statement';
export { parseStrictJson, StrictJsonError } from '../../core/verify/strict-json';
