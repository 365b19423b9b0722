export { anonymous, staticCredentials, type Credentials, type RegistryCredentials } from './credentials';
export { currentDeadline, DEFAULT_VERIFICATION_TIMEOUT_MS, withDeadline, type Deadline } from './deadline';
export { referrersTag, sha256Digest } from './digest';
export {
  isNotFound,
  isUnreadableArtifact,
  RegistryIntegrityError,
  RegistryRequestError,
  RegistryResponseTooLargeError,
  RegistryTimeoutError,
  RegistryUnavailableError,
} from './errors';
export {
  formatBytes,
  MAX_BLOB_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  MAX_SIGNATURES_READ,
  SIGNATURE_READ_CONCURRENCY,
  signatureLimits,
  type ReadLimits,
} from './limits';
export { mapLimited } from './map-limited';
export { emptyIndex, isDescriptor, manifestBytes, parseManifest } from './manifest';
export { manifestKind, STATEMENT_LAYER_MEDIA_TYPES, type ManifestKind } from './manifest-kind';
export { EMPTY_JSON, INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType } from './media-types';
export { OciRegistryClient, type OciRegistryClientOptions } from './oci-registry-client';
export { listReferrers, rewriteReferrersIndex, type ReferrersListing } from './referrers';
export type { ManifestUpload, RegistryClient } from './registry-client';
export type { FetchLike } from './transport';
export type {
  Descriptor,
  FetchedManifest,
  ImageIndex,
  ImageManifest,
  ParsedManifest,
  Platform,
  PutManifestResult,
} from './types';
