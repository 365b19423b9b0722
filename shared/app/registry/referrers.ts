import type { Digest } from '../../core/domain';
import { referrersTag } from '../../core/oci/digest';
import { RegistryIntegrityError } from '../../core/oci/errors';
import { emptyIndex, manifestBytes, parseManifest } from '../../core/oci/manifest';
import { MediaType } from '../../core/oci/media-types';
import type { RegistryClient } from '../ports/registry-client';
import type { Descriptor, FetchedManifest, ImageIndex } from '../../core/oci/types';

export type ReferrersListing =
  | { readonly source: 'api'; readonly descriptors: readonly Descriptor[] }
  | {
      readonly source: 'tag-schema';
      readonly descriptors: readonly Descriptor[];
      /** The `sha256-<hex>` index as read, so an update can tell whether someone else changed it meanwhile. */
      readonly index: FetchedManifest | undefined;
    };

/**
 * The referrers of `digest`: from the referrers API where the registry has one, otherwise from the
 * referrers tag schema (`sha256-<hex>` tagging an OCI index of referrer descriptors).
 */
export const listReferrers = async (
  client: RegistryClient,
  repository: string,
  digest: Digest,
): Promise<ReferrersListing> => {
  const fromApi = await client.referrers(repository, digest);
  if (fromApi !== undefined) return { source: 'api', descriptors: fromApi };
  const index = await client.findManifest(repository, referrersTag(digest));
  return { source: 'tag-schema', descriptors: index === undefined ? [] : readIndex(index).manifests, index };
};

const readIndex = (index: FetchedManifest): ImageIndex => {
  const parsed = parseManifest(index);
  if (parsed.kind !== 'index') {
    throw new RegistryIntegrityError(
      `referrers tag ${index.digest} is a ${index.mediaType}, not an OCI index`,
    );
  }
  return parsed.manifest;
};

/** The tag-schema index as read (`undefined`: there is none yet, so an empty one). */
export const referrersIndexOf = (index: FetchedManifest | undefined): ImageIndex =>
  index === undefined ? emptyIndex() : readIndex(index);

/**
 * Writes the tag-schema index of `digest` as `base` with `manifests`, conditional on `etag` where the registry
 * honours `If-Match`. No check of its own: the callers decide how stale a read they accept.
 */
export const putReferrersIndex = async (
  client: RegistryClient,
  repository: string,
  digest: Digest,
  base: ImageIndex,
  manifests: readonly Descriptor[],
  etag: string | undefined,
): Promise<void> => {
  const next: ImageIndex = { ...base, mediaType: MediaType.ociIndex, manifests: [...manifests] };
  await client.putManifest(
    repository,
    referrersTag(digest),
    { mediaType: MediaType.ociIndex, bytes: manifestBytes(next) },
    etag === undefined ? {} : { ifMatch: etag },
  );
};

/**
 * Writes the tag-schema index with `change` applied to its descriptors, unless someone changed the index since
 * `listing` was read. @returns false on such a conflict (nothing written), so the caller re-reads and retries.
 */
export const rewriteReferrersIndex = async (
  client: RegistryClient,
  repository: string,
  digest: Digest,
  listing: Extract<ReferrersListing, { source: 'tag-schema' }>,
  change: (descriptors: readonly Descriptor[]) => readonly Descriptor[],
): Promise<boolean> => {
  const current = await client.headManifest(repository, referrersTag(digest));
  if (current?.digest !== listing.index?.digest) return false;
  const base = referrersIndexOf(listing.index);
  await putReferrersIndex(client, repository, digest, base, change(base.manifests), listing.index?.etag);
  return true;
};
