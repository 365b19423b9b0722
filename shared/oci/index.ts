export { anonymous, staticCredentials, type Credentials, type RegistryCredentials } from './credentials';
export { referrersTag, sha256Digest } from './digest';
export { isNotFound, RegistryIntegrityError, RegistryRequestError, RegistryUnavailableError } from './errors';
export { emptyIndex, isDescriptor, manifestBytes, parseManifest } from './manifest';
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
