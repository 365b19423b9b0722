import { createPublicKey } from 'node:crypto';
import type { ImageRef, SignatureRef } from '../../../core/domain';
import { sha256Digest } from '../../../core/oci/digest';
import { RegistryRequestError } from '../../../core/oci/errors';
import { MediaType } from '../../../core/oci/media-types';
import { readLegacySignatures } from '../../verify/read-signatures';
import { untilSettled, MAX_ATTEMPTS, type SigningDeps } from '../deps';
import {
  isImmutableTagRefusal,
  SignatureConflictError,
  SignatureTagImmutableError,
  SigningRefusedError,
} from '../errors';
import { signatureManifest, signatureTag } from '../../../core/formats/manifest/cosign-signature';
import { legacySignatureIsOurs } from '../ours';
import { simpleSigningPayload } from '../../../core/formats/payload/simple-signing';

/**
 * Adds our signature to the cosign legacy `sha256-<hex>.sig` manifest, keeping every other signer's layers.
 * Registries (ECR, Distribution) ignore If-Match, so a concurrent writer is detected by re-reading the tag
 * right before and right after our write, and the whole read-append-write is retried.
 */
export const signCosignLegacy = async (deps: SigningDeps, image: ImageRef): Promise<SignatureRef> => {
  const identity = `${image.registry}/${image.repository}`;
  const tag = signatureTag(image.digest);
  const payload = simpleSigningPayload(identity, image.digest);
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  // Signed once and reused on every attempt: a retry must not cost another KMS call.
  let signature: string | undefined;

  const settled = await untilSettled(deps, async () => {
    const stored = await readLegacySignatures(deps.registry, image.repository, image.digest);
    if (stored !== undefined && stored.parsed === undefined) {
      throw new SigningRefusedError(
        `${identity}:${tag} holds a ${stored.manifest.mediaType}, not a signature manifest`,
      );
    }
    if (stored?.layers.some((layer) => legacySignatureIsOurs(layer, payload, image, key))) {
      return reference(identity, tag, stored.manifest.digest);
    }
    signature ??= (await deps.signer.sign(payload)).signature.toString('base64');
    const next = signatureManifest(
      stored?.parsed?.layers ?? [],
      { payload, signature },
      stored?.parsed?.annotations,
    );
    await Promise.all(next.blobs.map((blob) => deps.registry.putBlob(image.repository, blob.bytes)));

    const before = await deps.registry.headManifest(image.repository, tag);
    if (before?.digest !== stored?.manifest.digest) return undefined;
    try {
      await deps.registry.putManifest(
        image.repository,
        tag,
        { mediaType: MediaType.ociManifest, bytes: next.bytes },
        stored?.manifest.etag === undefined ? {} : { ifMatch: stored.manifest.etag },
      );
    } catch (error) {
      // Concurrent uploads of the same blob can leave Distribution briefly claiming it unknown: read again.
      if (error instanceof RegistryRequestError && error.registryCodes.includes('MANIFEST_BLOB_UNKNOWN'))
        return undefined;
      if (isImmutableTagRefusal(error))
        throw new SignatureTagImmutableError(image.repository, tag, { cause: error });
      throw error;
    }
    const after = await deps.registry.headManifest(image.repository, tag);
    return after?.digest === sha256Digest(next.bytes) ? reference(identity, tag, after.digest) : undefined;
  });
  if (settled === undefined) {
    throw new SignatureConflictError(
      `${identity}:${tag} kept changing during ${MAX_ATTEMPTS} attempts to add a signature`,
    );
  }
  return settled;
};

const reference = (identity: string, tag: string, digest: string): SignatureRef => ({
  format: 'cosign-legacy',
  reference: `${identity}:${tag}@${digest}`,
});
