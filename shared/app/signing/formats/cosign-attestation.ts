import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Digest, ImageRef } from '../../../core/domain';
import { sha256Digest } from '../../../core/oci/digest';
import { dsseEnvelopeIn } from '../../../core/formats/payload/attested-scan';
import { RegistryRequestError } from '../../../core/oci/errors';
import { MediaType } from '../../../core/oci/media-types';
import type { RegistryClient } from '../../ports/registry-client';
import type { Descriptor } from '../../../core/oci/types';
import { envelopeSignedBy, verifyAttestationEnvelope } from '../../../core/verify/attestation-envelope';
import { readLegacyAttestations, type StoredLegacyAttestations } from '../../verify/read-attestations';
import { MAX_ATTEMPTS, untilSettled, type SigningDeps } from '../deps';
import {
  isImmutableTagRefusal,
  SignatureConflictError,
  SignatureTagImmutableError,
  SigningRefusedError,
} from '../errors';
import {
  attestationLayerDescriptor,
  attestationTag,
} from '../../../core/formats/manifest/cosign-attestation';
import { signatureManifestWithLayers } from '../../../core/formats/manifest/cosign-signature';

/**
 * Writes the vulnerability attestation a second time, where cosign's legacy layout keeps attestations: a layer of
 * the `sha256-<hex>.att` manifest holding the bare DSSE envelope. The envelope is the very one inside the bundle
 * (same statement, same signature: no second KMS call), so both copies say the same thing. The readers of `.att`
 * are those that cannot read Tollgate's bundle: `cosign verify-attestation` before 2.6.3, the policy-controller
 * (its bundle support is keyless-only) and Kyverno's ClusterPolicy `type: Cosign` (docs/deployment-gates.md).
 *
 * The tag is shared with every other attester, like `.sig`: other layers are kept untouched, ours is appended,
 * and, registries ignoring If-Match, a concurrent writer is detected by reading the tag right before and right
 * after the write, and the read-append-write retried. Idempotent: a layer of ours for this digest and predicate
 * type is reused.
 */
export const signCosignAttestation = async (
  deps: SigningDeps,
  image: ImageRef,
  envelope: Buffer,
  predicateType: string,
  current: (envelope: { readonly payload?: unknown }) => boolean = () => true,
): Promise<void> => {
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  const expected = { digest: image.digest, predicateType };
  const layer = attestationLayerDescriptor(envelope, predicateType);
  const written = await rewriteAttestationTag(deps, image.repository, image.digest, (stored) => {
    const layers = stored?.layers ?? [];
    const isOurs = (existing: (typeof layers)[number]): boolean =>
      existing.claimedPredicateType === predicateType &&
      verifyAttestationEnvelope(existing.envelope, expected, key).valid;
    if (layers.some((existing) => isOurs(existing) && current(dsseEnvelopeIn(existing.envelope, 'envelope'))))
      return undefined;
    // Ours of an older scan go as the new one comes in, in the same write: one of ours per digest. Others' stay.
    const outdated = new Set(layers.flatMap((existing, index) => (isOurs(existing) ? [index] : [])));
    const kept = (stored?.parsed?.layers ?? []).filter((_, index) => !outdated.has(index));
    // The envelope holds a new signature, and the config lists its digest: neither can be in the registry yet.
    return { layers: [...kept, layer], blobs: [envelope], fresh: true };
  });
  if (written === 'conflict') {
    throw new SignatureConflictError(
      `${image.repository}:${attestationTag(image.digest)} kept changing during ${MAX_ATTEMPTS} attempts to add an attestation`,
    );
  }
};

/**
 * Takes every `.att` layer whose envelope verifies with our key out of the tag (deleting the manifest when none is
 * left, as `cosign clean` does); other attesters' layers stay. Returns how many layers were ours and how many
 * were kept.
 */
export const removeOwnAttestationLayers = async (
  deps: Pick<SigningDeps, 'backoff' | 'registry'>,
  repository: string,
  digest: Digest,
  key: KeyObject,
): Promise<{ readonly removed: number; readonly kept: number }> => {
  let removed = 0;
  let kept = 0;
  const written = await rewriteAttestationTag(deps, repository, digest, (stored) => {
    const layers = stored?.parsed?.layers ?? [];
    const ours = new Set(
      (stored?.layers ?? []).flatMap((layer, index) =>
        envelopeSignedBy(layer.envelope, key) ? [index] : [],
      ),
    );
    removed = ours.size;
    kept = layers.length - ours.size;
    if (ours.size === 0) return undefined;
    return { layers: layers.filter((_, index) => !ours.has(index)), blobs: [] };
  });
  if (written === 'conflict') {
    throw new SignatureConflictError(
      `${repository}:${attestationTag(digest)} kept changing during ${MAX_ATTEMPTS} attempts to remove our attestation`,
    );
  }
  return { removed, kept };
};

interface NextAttestations {
  /** The layers the tag must hold; none deletes the manifest. */
  readonly layers: readonly Descriptor[];
  /** Layer blobs that may not be in the repository yet. */
  readonly blobs: readonly Buffer[];
  /** Every blob (and so the config listing them) is new by construction: upload without asking first. */
  readonly fresh?: boolean;
}

/**
 * The `.att` read-change-write loop. `change` sees what is stored and answers the next layers, or `undefined` for
 * "nothing to do". Resolves `'written'`, `'unchanged'`, or `'conflict'` when the tag kept moving.
 */
const rewriteAttestationTag = async (
  deps: Pick<SigningDeps, 'backoff' | 'registry'>,
  repository: string,
  digest: Digest,
  change: (stored: StoredLegacyAttestations | undefined) => NextAttestations | undefined,
): Promise<'written' | 'unchanged' | 'conflict'> => {
  const registry: RegistryClient = deps.registry;
  const tag = attestationTag(digest);
  const settled = await untilSettled(deps, async () => {
    const stored = await readLegacyAttestations(registry, repository, digest);
    const next = change(stored);
    if (next === undefined) return 'unchanged' as const;
    // Something other than an image manifest holds the tag: nothing of ours is there, and nothing can be added.
    if (stored !== undefined && stored.parsed === undefined) {
      throw new SigningRefusedError(
        `${repository}:${tag} holds a ${stored.manifest.mediaType}, not an attestation manifest`,
      );
    }
    const manifest =
      next.layers.length === 0
        ? undefined
        : signatureManifestWithLayers(next.layers, stored?.parsed?.annotations);
    const blobs = [...next.blobs, ...(manifest?.blobs.map((entry) => entry.bytes) ?? [])];
    await Promise.all(
      blobs.map((blob) => registry.putBlob(repository, blob, next.fresh === true ? { fresh: true } : {})),
    );
    const before = await registry.headManifest(repository, tag);
    if (before?.digest !== stored?.manifest.digest) return undefined;
    try {
      if (manifest === undefined) {
        if (stored !== undefined) await registry.deleteManifest(repository, stored.manifest.digest);
      } else {
        await registry.putManifest(
          repository,
          tag,
          { mediaType: MediaType.ociManifest, bytes: manifest.bytes },
          stored?.manifest.etag === undefined ? {} : { ifMatch: stored.manifest.etag },
        );
      }
    } catch (error) {
      // Concurrent uploads of the same blob can leave Distribution briefly claiming it unknown: read again.
      if (error instanceof RegistryRequestError && error.registryCodes.includes('MANIFEST_BLOB_UNKNOWN')) {
        return undefined;
      }
      if (isImmutableTagRefusal(error))
        throw new SignatureTagImmutableError(repository, tag, { cause: error });
      throw error;
    }
    const after = await registry.headManifest(repository, tag);
    const landed =
      manifest === undefined ? after === undefined : after?.digest === sha256Digest(manifest.bytes);
    return landed ? ('written' as const) : undefined;
  });
  return settled ?? 'conflict';
};
