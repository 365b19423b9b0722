import type { Digest } from '../domain';
import { listReferrers, type ReferrersListing } from '../oci/referrers';
import { parseManifest } from '../oci/manifest';
import { MediaType } from '../oci/media-types';
import type { RegistryClient } from '../oci/registry-client';
import type { Descriptor, FetchedManifest, ImageManifest } from '../oci/types';
import { BUNDLE_PREDICATE_TYPE_ANNOTATION } from '../signing/manifest/bundle-referrer';
import { signatureTag } from '../signing/manifest/cosign-signature';
import type { LegacySignatureLayer } from './legacy';

export interface StoredLegacySignatures {
  readonly manifest: FetchedManifest;
  /** `undefined` when the tag holds something other than an image manifest (then it holds no signatures). */
  readonly parsed: ImageManifest | undefined;
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
  const layers = await Promise.all(
    parsed.manifest.layers.map(async (descriptor) => ({
      descriptor,
      mediaType: descriptor.mediaType,
      // Only simple-signing payloads are small and worth reading; anything else is judged by its media type.
      payload:
        descriptor.mediaType === MediaType.cosignSimpleSigning
          ? await client.getBlob(repository, descriptor.digest)
          : Buffer.alloc(0),
      ...(descriptor.annotations === undefined ? {} : { annotations: descriptor.annotations }),
    })),
  );
  return { manifest, parsed: parsed.manifest, layers };
};

export interface StoredBundle {
  /** The referrer descriptor as listed (by the referrers API or the tag-schema index). */
  readonly descriptor: Descriptor;
  /** The predicate type the referrer claims in its annotation. Unsigned: a hint for sorting, not for trust. */
  readonly claimedPredicateType: string | undefined;
  readonly bundle: Buffer;
}

export interface StoredBundles {
  readonly listing: ReferrersListing;
  readonly bundles: readonly StoredBundle[];
}

/** Every Sigstore bundle referrer of `digest`, read and checked to really refer to it. */
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
  const bundles = await Promise.all(
    candidates.map((descriptor) => readBundle(client, repository, digest, descriptor)),
  );
  return { listing, bundles: bundles.filter((bundle): bundle is StoredBundle => bundle !== undefined) };
};

const readBundle = async (
  client: RegistryClient,
  repository: string,
  subject: Digest,
  descriptor: Descriptor,
): Promise<StoredBundle | undefined> => {
  // A referrer listed in the index may since have been deleted; it then simply does not count.
  const fetched = await client.findManifest(repository, descriptor.digest);
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
    bundle: await client.getBlob(repository, layer.digest),
  };
};
