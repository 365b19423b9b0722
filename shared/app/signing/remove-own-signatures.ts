import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Digest, ImageRef } from '../../core/domain';
import { referrersTag, sha256Digest } from '../../core/oci/digest';
import { parseManifest } from '../../core/oci/manifest';
import { MediaType } from '../../core/oci/media-types';
import { rewriteReferrersIndex } from '../registry/referrers';
import type { RegistryClient } from '../ports/registry-client';
import type { PublicKeySource } from '../verify/public-key';
import { readBundleReferrers, readLegacySignatures } from '../verify/read-signatures';
import { MAX_ATTEMPTS, untilSettled, type SigningDeps } from './deps';
import { isImmutableTagRefusal, SignatureConflictError, SignatureTagImmutableError } from './errors';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  signatureManifestWithLayers,
  signatureTag,
} from '../../core/formats/manifest/cosign-signature';
import { removeOwnAttestationLayers } from './formats/cosign-attestation';
import { bundleSignedBy, legacyLayerSignedBy } from './ours';

export interface RemoveSignaturesDeps extends Pick<SigningDeps, 'backoff'> {
  readonly registry: RegistryClient;
  /** Our key: a signature is ours, and only then removed, when it verifies with this key. */
  readonly publicKey: PublicKeySource;
}

export interface RemoveSignaturesOptions {
  /**
   * Manifests of an index to clean as well, in addition to those the index lists in the registry: the record's
   * children, for when the index itself is already gone.
   * @default none
   */
  readonly children?: readonly Digest[];
}

/** What one revocation took away, and what it left. */
export interface RemovedSignatures {
  /** Every digest looked at: the image and, for an index, each manifest it lists. */
  readonly digests: readonly Digest[];
  /** Our layers taken out of `sha256-<hex>.sig` manifests. */
  readonly legacyLayers: number;
  /** Our bundle referrers (signature and vulnerability attestation) unlisted and deleted. */
  readonly referrers: number;
  /** Our layers taken out of `sha256-<hex>.att` manifests (the legacy copy of the vulnerability attestation). */
  readonly attestationLayers: number;
  /** Other signers' `.sig` layers and other referrers, left exactly as they were. */
  readonly foreignKept: number;
}

interface Tally {
  readonly removed: number;
  readonly kept: number;
}

/**
 * Takes Tollgate's own signatures off an image (and off every manifest of an index, as signing put them there
 * too): our layer of the cosign `.sig` manifest, our Sigstore bundle referrers and our `.att` layer. "Ours" means "verifies with
 * our key"; nothing else is touched, so another signer's signature survives a Tollgate revocation. Idempotent.
 *
 * Like `cosign clean`, a `.sig` manifest left with no layer is deleted rather than kept empty. Bundle referrers
 * are unlisted from the tag-schema index and then deleted, because with the referrers API (ECR) a manifest that
 * exists is listed, whatever any index says.
 */
export const removeOwnSignatures = async (
  deps: RemoveSignaturesDeps,
  image: Pick<ImageRef, 'repository' | 'digest'>,
  options: RemoveSignaturesOptions = {},
): Promise<RemovedSignatures> => {
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  const digests = await signedDigests(deps.registry, image, options.children ?? []);
  let legacyLayers = 0;
  let referrers = 0;
  let attestationLayers = 0;
  let foreignKept = 0;
  for (const digest of digests) {
    const legacy = await removeLegacyLayers(deps, image.repository, digest, key);
    const bundles = await removeBundleReferrers(deps, image.repository, digest, key);
    const attestations = await removeOwnAttestationLayers(deps, image.repository, digest, key);
    legacyLayers += legacy.removed;
    referrers += bundles.removed;
    attestationLayers += attestations.removed;
    foreignKept += legacy.kept + bundles.kept + attestations.kept;
  }
  return { digests, legacyLayers, referrers, attestationLayers, foreignKept };
};

// The same digests signImage signs: the image and, for an index, every manifest it lists.
const signedDigests = async (
  registry: RegistryClient,
  image: Pick<ImageRef, 'repository' | 'digest'>,
  children: readonly Digest[],
): Promise<Digest[]> => {
  const fetched = await registry.findManifest(image.repository, image.digest);
  const parsed = fetched === undefined ? undefined : parseManifest(fetched);
  const listed = parsed?.kind === 'index' ? parsed.manifest.manifests.map((child) => child.digest) : [];
  return [...new Set<Digest>([image.digest, ...listed, ...children])];
};

const removeLegacyLayers = async (
  deps: RemoveSignaturesDeps,
  repository: string,
  digest: Digest,
  key: KeyObject,
): Promise<Tally> => {
  const tag = signatureTag(digest);
  // Identified by their signature, so a layer counts once however many rounds a concurrent writer costs.
  const removed = new Set<string>();
  const settled = await untilSettled(deps, async () => {
    const stored = await readLegacySignatures(deps.registry, repository, digest);
    // No `.sig`, or something there that is not a signature manifest: nothing of ours to take out.
    if (stored?.parsed === undefined) return { removed: removed.size, kept: 0 };
    const ours = new Set(
      stored.layers.flatMap((layer, index) => (legacyLayerSignedBy(layer, key) ? [index] : [])),
    );
    const keep = stored.parsed.layers.filter((_, index) => !ours.has(index));
    if (ours.size === 0) return { removed: removed.size, kept: keep.length };

    const next = keep.length === 0 ? undefined : signatureManifestWithLayers(keep, stored.parsed.annotations);
    for (const blob of next?.blobs ?? []) await deps.registry.putBlob(repository, blob.bytes);
    // Registries ignore If-Match: compare right before and right after, as signing does.
    const before = await deps.registry.headManifest(repository, tag);
    if (before?.digest !== stored.manifest.digest) return undefined;
    if (next === undefined) {
      await deps.registry.deleteManifest(repository, stored.manifest.digest);
    } else {
      try {
        await deps.registry.putManifest(
          repository,
          tag,
          { mediaType: MediaType.ociManifest, bytes: next.bytes },
          stored.manifest.etag === undefined ? {} : { ifMatch: stored.manifest.etag },
        );
      } catch (error) {
        if (isImmutableTagRefusal(error))
          throw new SignatureTagImmutableError(repository, tag, { cause: error });
        throw error;
      }
    }
    for (const index of ours) {
      removed.add(stored.layers[index]?.annotations?.[COSIGN_SIGNATURE_ANNOTATION] ?? `${index}`);
    }
    const after = await deps.registry.headManifest(repository, tag);
    const stuck = next === undefined ? after === undefined : after?.digest === sha256Digest(next.bytes);
    return stuck ? { removed: removed.size, kept: keep.length } : undefined;
  });
  if (settled === undefined) {
    throw new SignatureConflictError(
      `${repository}:${tag} kept changing during ${MAX_ATTEMPTS} attempts to remove our signature`,
    );
  }
  return settled;
};

const removeBundleReferrers = async (
  deps: RemoveSignaturesDeps,
  repository: string,
  digest: Digest,
  key: KeyObject,
): Promise<Tally> => {
  const removed = new Set<Digest>();
  const settled = await untilSettled(deps, async () => {
    const stored = await readBundleReferrers(deps.registry, repository, digest);
    const ours = [
      ...new Set(
        stored.bundles.filter((bundle) => bundleSignedBy(bundle, key)).map((b) => b.descriptor.digest),
      ),
    ];
    const kept = stored.listing.descriptors.filter((descriptor) => !ours.includes(descriptor.digest)).length;
    if (ours.length === 0) return { removed: removed.size, kept };
    if (stored.listing.source === 'tag-schema') {
      const written = await rewriteReferrersIndex(
        deps.registry,
        repository,
        digest,
        stored.listing,
        (descriptors) => descriptors.filter((descriptor) => !ours.includes(descriptor.digest)),
      ).catch((error: unknown) => {
        if (isImmutableTagRefusal(error)) {
          throw new SignatureTagImmutableError(repository, referrersTag(digest), { cause: error });
        }
        throw error;
      });
      if (!written) return undefined;
    }
    for (const referrer of ours) {
      await deps.registry.deleteManifest(repository, referrer);
      removed.add(referrer);
    }
    // Read again: a concurrent index update may have listed one of ours once more.
    return undefined;
  });
  if (settled === undefined) {
    throw new SignatureConflictError(
      `${repository}@${digest}: our bundle referrers kept reappearing during ${MAX_ATTEMPTS} attempts to remove them`,
    );
  }
  return settled;
};
