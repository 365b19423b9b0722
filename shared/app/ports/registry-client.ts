import type { Digest } from '../../core/domain';
import type { ReadLimits } from '../../core/oci/limits';
import type { Descriptor, FetchedManifest, PutManifestResult } from '../../core/oci/types';

export interface ManifestUpload {
  readonly mediaType: string;
  readonly bytes: Buffer;
}

/**
 * The OCI Distribution API for one registry host, as the signing and verification code needs it.
 * Every read of content by digest is checked against that digest: a registry that lies is an error. Every read is
 * bounded (limits.ts): manifests by MAX_MANIFEST_BYTES, blobs by MAX_BLOB_BYTES, or less where `limits` says so;
 * more is a RegistryResponseTooLargeError, raised while streaming, before the rest is received.
 */
export interface RegistryClient {
  /** The registry host, e.g. `123456789012.dkr.ecr.us-west-2.amazonaws.com` or `127.0.0.1:5000`. */
  readonly host: string;
  /** @throws RegistryRequestError with status 404 when there is no such manifest. */
  getManifest(repository: string, reference: string, limits?: ReadLimits): Promise<FetchedManifest>;
  /** Like getManifest, but `undefined` for a 404. */
  findManifest(
    repository: string,
    reference: string,
    limits?: ReadLimits,
  ): Promise<FetchedManifest | undefined>;
  /** What the reference names, without its bytes; `undefined` when nothing is there. */
  headManifest(repository: string, reference: string): Promise<Descriptor | undefined>;
  putManifest(
    repository: string,
    reference: string,
    manifest: ManifestUpload,
    options?: { readonly ifMatch?: string },
  ): Promise<PutManifestResult>;
  /** @returns false when the manifest was already gone. */
  deleteManifest(repository: string, digest: Digest): Promise<boolean>;
  getBlob(repository: string, digest: Digest, limits?: ReadLimits): Promise<Buffer>;
  hasBlob(repository: string, digest: Digest): Promise<boolean>;
  /** Uploads monolithically (POST then PUT) unless the registry already has the blob. */
  /**
   * `fresh`: the bytes were made just now (they hold a new signature), so they cannot be in the registry yet and the
   * existence check before the upload would be a wasted round trip. An upload of bytes already there is harmless.
   */
  putBlob(
    repository: string,
    bytes: Buffer,
    options?: { readonly fresh?: boolean },
  ): Promise<{ readonly digest: Digest; readonly size: number }>;
  listTags(repository: string): Promise<string[]>;
  /** The referrers API; `undefined` when the registry does not implement it (then use the tag schema). */
  referrers(repository: string, digest: Digest): Promise<readonly Descriptor[] | undefined>;
  /** Whether `/v2/` answers 401 without credentials. */
  requiresAuth(): Promise<boolean>;
}
