import type { Digest } from '../../core/domain';
import {
  isUnreadableArtifact,
  type RegistryIntegrityError,
  type RegistryResponseTooLargeError,
} from '../../core/oci/errors';
import { MAX_SIGNATURES_READ, SIGNATURE_READ_CONCURRENCY, signatureLimits } from '../../core/oci/limits';
import { mapLimited } from '../../core/oci/map-limited';
import { listReferrers, type ReferrersListing } from '../registry/referrers';
import { parseManifest } from '../../core/oci/manifest';
import { MediaType } from '../../core/oci/media-types';
import type { RegistryClient } from '../ports/registry-client';
import type { Descriptor, FetchedManifest, ImageManifest } from '../../core/oci/types';
import { BUNDLE_PREDICATE_TYPE_ANNOTATION } from '../../core/formats/manifest/bundle-referrer';
import { signatureTag } from '../../core/formats/manifest/cosign-signature';
import type { LegacySignatureLayer } from '../../core/verify/legacy';

// Everything read here comes from the registry, which whoever may push can write. Each read is bounded by
// limits.ts (the client refuses a declared size over the limit without a request and cuts a longer body off), at
// most MAX_SIGNATURES_READ artifacts are read per listing, SIGNATURE_READ_CONCURRENCY at a time, and an artifact that
// is too large or not what it claims is reported as unreadable, so one hostile artifact cannot hide the others.

export type UnreadableArtifactError = RegistryResponseTooLargeError | RegistryIntegrityError;

/**
 * What `read` resolves to, or the error that made what it reads unreadable (too large, not what it claims to be),
 * for a verifier that reports one format as unreadable and goes on with the others. Any other error is rethrown:
 * an unreachable registry or a passed deadline means no answer at all.
 */
export const orUnreadable = async <T>(read: Promise<T>): Promise<T | UnreadableArtifactError> => {
  try {
    return await read;
  } catch (error) {
    if (isUnreadableArtifact(error)) return error;
    throw error;
  }
};

export interface StoredLegacySignatures {
  readonly manifest: FetchedManifest;
  /** `undefined` when the tag holds something other than an image manifest (then it holds no signatures). */
  readonly parsed: ImageManifest | undefined;
  /** Every layer, in order; a simple-signing layer that could not be read has `unreadable` set and no payload. */
  readonly layers: readonly (LegacySignatureLayer & { readonly descriptor: Descriptor })[];
}

/** The `.sig` manifest of `digest` with every layer's blob, or `undefined` when there is none. */
export const readLegacySignatures = async (
  client: RegistryClient,
  repository: string,
  digest: Digest,
): Promise<StoredLegacySignatures | undefined> => {
  const manifest = await client.findManifest(repository, signatureTag(digest));
  if (manifest === undefined) return undefined;
  const parsed = parseManifest(manifest);
  if (parsed.kind !== 'image') return { manifest, parsed: undefined, layers: [] };
  let signaturesSeen = 0;
  const plan = parsed.manifest.layers.map((descriptor) => {
    // Only simple-signing payloads are small and worth reading; anything else is judged by its media type.
    const isSignature = descriptor.mediaType === MediaType.cosignSimpleSigning;
    if (isSignature) signaturesSeen += 1;
    return { descriptor, read: isSignature && signaturesSeen <= MAX_SIGNATURES_READ };
  });
  const layers = await mapLimited(plan, SIGNATURE_READ_CONCURRENCY, async ({ descriptor, read }) => {
    const layer = {
      descriptor,
      mediaType: descriptor.mediaType,
      ...(descriptor.annotations === undefined ? {} : { annotations: descriptor.annotations }),
    };
    if (descriptor.mediaType !== MediaType.cosignSimpleSigning) return { ...layer, payload: Buffer.alloc(0) };
    if (!read) {
      return {
        ...layer,
        payload: Buffer.alloc(0),
        unreadable: `not read: the .sig lists ${signaturesSeen} signatures, and at most ${MAX_SIGNATURES_READ} are read`,
      };
    }
    try {
      return {
        ...layer,
        payload: await client.getBlob(repository, descriptor.digest, signatureLimits(descriptor)),
      };
    } catch (error) {
      if (!isUnreadableArtifact(error)) throw error;
      return { ...layer, payload: Buffer.alloc(0), unreadable: error.message };
    }
  });
  return { manifest, parsed: parsed.manifest, layers };
};

export interface StoredBundle {
  /** The referrer descriptor as listed (by the referrers API or the tag-schema index). */
  readonly descriptor: Descriptor;
  /** The predicate type the referrer claims in its annotation. Unsigned: a hint for sorting, not for trust. */
  readonly claimedPredicateType: string | undefined;
  readonly bundle: Buffer;
}

/** A listed bundle referrer that was not read, and why. */
export interface UnreadableReferrer {
  /** The referrer as listed; absent for the summary of those left unread beyond MAX_SIGNATURES_READ. */
  readonly descriptor?: Descriptor;
  /** What the listing's annotation claims (unsigned), so a reader can tell a signature from an attestation. */
  readonly claimedPredicateType: string | undefined;
  readonly reason: string;
}

export interface StoredBundles {
  readonly listing: ReferrersListing;
  readonly bundles: readonly StoredBundle[];
  /** Bundle referrers listed but not read: too large, malformed, or beyond the count read per listing. */
  readonly unreadable: readonly UnreadableReferrer[];
}

/** Every Sigstore bundle referrer of `digest` (up to MAX_SIGNATURES_READ), read and checked to really refer to it. */
export const readBundleReferrers = async (
  client: RegistryClient,
  repository: string,
  digest: Digest,
): Promise<StoredBundles> => {
  const listing = await listReferrers(client, repository, digest);
  const candidates = listing.descriptors.filter(
    (descriptor) =>
      descriptor.artifactType === undefined || descriptor.artifactType === MediaType.sigstoreBundleV03,
  );
  const read = candidates.slice(0, MAX_SIGNATURES_READ);
  const outcomes = await mapLimited(read, SIGNATURE_READ_CONCURRENCY, (descriptor) =>
    readBundle(client, repository, digest, descriptor),
  );
  const unreadable = outcomes.filter((outcome) => outcome !== undefined && 'reason' in outcome);
  if (candidates.length > read.length) {
    unreadable.push({
      claimedPredicateType: undefined,
      reason: `${candidates.length - read.length} more bundle referrers not read: the listing names ${candidates.length}, and at most ${MAX_SIGNATURES_READ} are read`,
    });
  }
  return {
    listing,
    bundles: outcomes.filter((outcome) => outcome !== undefined && 'bundle' in outcome),
    unreadable,
  };
};

const readBundle = async (
  client: RegistryClient,
  repository: string,
  subject: Digest,
  descriptor: Descriptor,
): Promise<StoredBundle | UnreadableReferrer | undefined> => {
  try {
    return await readListedBundle(client, repository, subject, descriptor);
  } catch (error) {
    if (!isUnreadableArtifact(error)) throw error;
    return {
      descriptor,
      claimedPredicateType: descriptor.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION],
      reason: error.message,
    };
  }
};

const readListedBundle = async (
  client: RegistryClient,
  repository: string,
  subject: Digest,
  descriptor: Descriptor,
): Promise<StoredBundle | undefined> => {
  // A referrer listed in the index may since have been deleted; it then simply does not count.
  const fetched = await client.findManifest(repository, descriptor.digest, { size: descriptor.size });
  if (fetched === undefined) return undefined;
  const parsed = parseManifest(fetched);
  if (parsed.kind !== 'image') return undefined;
  const manifest = parsed.manifest;
  const layer = manifest.layers[0];
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  if (
    artifactType !== MediaType.sigstoreBundleV03 ||
    manifest.subject?.digest !== subject ||
    layer === undefined
  ) {
    return undefined;
  }
  if (layer.mediaType !== MediaType.sigstoreBundleV03) return undefined;
  return {
    descriptor,
    claimedPredicateType:
      manifest.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION] ??
      descriptor.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION],
    bundle: await client.getBlob(repository, layer.digest, signatureLimits(layer)),
  };
};
