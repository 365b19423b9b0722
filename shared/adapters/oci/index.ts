export { anonymous, staticCredentials, type Credentials, type RegistryCredentials } from './credentials';
export {
  currentDeadline,
  DEFAULT_VERIFICATION_TIMEOUT_MS,
  withDeadline,
  type Deadline,
} from '../../app/registry/deadline';
export { referrersTag, sha256Digest } from '../../core/oci/digest';
export {
  isNotFound,
  isUnreadableArtifact,
  RegistryIntegrityError,
  RegistryRequestError,
  RegistryResponseTooLargeError,
  RegistryTimeoutError,
  RegistryUnavailableError,
} from '../../core/oci/errors';
export {
  formatBytes,
  MAX_BLOB_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  MAX_SIGNATURES_READ,
  SIGNATURE_READ_CONCURRENCY,
  signatureLimits,
  type ReadLimits,
} from '../../core/oci/limits';
export { mapLimited } from '../../core/oci/map-limited';
export { emptyIndex, isDescriptor, manifestBytes, parseManifest } from '../../core/oci/manifest';
export { manifestKind, STATEMENT_LAYER_MEDIA_TYPES, type ManifestKind } from '../../core/oci/manifest-kind';
export { EMPTY_JSON, INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType } from '../../core/oci/media-types';
export { OciRegistryClient, type OciRegistryClientOptions } from './oci-registry-client';
export { listReferrers, rewriteReferrersIndex, type ReferrersListing } from '../../app/registry/referrers';
export type { ManifestUpload, RegistryClient } from '../../app/ports/registry-client';
export type { FetchLike } from './transport';
export type {
  Descriptor,
  FetchedManifest,
  ImageIndex,
  ImageManifest,
  ParsedManifest,
  Platform,
  PutManifestResult,
} from '../../core/oci/types';
export { RegistryReferrerAttacher } from './registry-referrer-attacher';
export { RememberingRegistryClient, type RememberingRegistryOptions } from './remembering-registry';
export { TokenBucket, withPutBudget, type PutBudgetOptions } from './put-budget';
