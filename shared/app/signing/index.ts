export { MAX_ATTEMPTS, type SigningDeps } from './deps';
export {
  isImmutableTagRefusal,
  SignatureConflictError,
  SignatureTagImmutableError,
  SigningRefusedError,
} from './errors';
export {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  bundleReferrerAnnotations,
} from '../../core/formats/manifest/bundle-referrer';
export {
  COSIGN_SIGNATURE_ANNOTATION,
  signatureConfig,
  signatureManifest,
  signatureManifestWithLayers,
  signatureTag,
  type SignatureLayer,
  type SignatureManifest,
} from '../../core/formats/manifest/cosign-signature';
export * from '../../core/formats/payload';
export type { ReferrerArtifact, ReferrerAttacher } from './referrer-attacher';
export { ALL_SIGNATURE_FORMATS, signImage } from './sign-image';
export {
  removeOwnSignatures,
  type RemovedSignatures,
  type RemoveSignaturesDeps,
  type RemoveSignaturesOptions,
} from './remove-own-signatures';
export { removeRevokedSignatures, type RemoveRevokedDeps, type RemoveRevokedOutcome } from './remove-revoked';
export {
  signApproved,
  type SignApprovedDeps,
  type SignApprovedOutcome,
  type SigningRequest,
} from './sign-approved';
export { signable, type Signable } from './signable';
