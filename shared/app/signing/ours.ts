import { verify, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, Verifier } from '@sigstore/verify';
import type { ImageRef } from '../../core/domain';
import { sha256Digest } from '../../core/oci/digest';
import { MediaType } from '../../core/oci/media-types';
import { publicKeyTrustMaterial, verifyBundle, type BundleExpectation } from '../../core/verify/bundle';
import { verifyLegacySignature, type LegacySignatureLayer } from '../../core/verify/legacy';
import type { StoredBundle } from '../verify/read-signatures';
import { COSIGN_SIGNATURE_ANNOTATION } from '../../core/formats/manifest/cosign-signature';

/** Same payload and a signature that verifies with our key: adding another would only duplicate it. */
export const legacySignatureIsOurs = (
  layer: LegacySignatureLayer & { readonly descriptor: { readonly digest: string } },
  payload: Buffer,
  image: ImageRef,
  key: KeyObject,
): boolean =>
  layer.descriptor.digest === sha256Digest(payload) &&
  verifyLegacySignature(
    layer,
    { digest: image.digest, identity: `${image.registry}/${image.repository}` },
    key,
  ).valid;

/** A bundle of this predicate type over this digest that verifies with our key. */
export const bundleIsOurs = (stored: StoredBundle, expected: BundleExpectation, key: KeyObject): boolean =>
  verifyBundle(stored.bundle, expected, key).valid;

/**
 * A `.sig` layer whose signature verifies with our key, whatever its payload says. Only Tollgate holds the
 * private key, so such a layer is ours to remove; a layer that does not verify is never touched.
 */
export const legacyLayerSignedBy = (layer: LegacySignatureLayer, key: KeyObject): boolean => {
  if (layer.mediaType !== MediaType.cosignSimpleSigning) return false;
  const encoded = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
  if (encoded === undefined || encoded === '') return false;
  try {
    return verify('sha256', layer.payload, key, Buffer.from(encoded, 'base64'));
  } catch {
    return false;
  }
};

/** A Sigstore bundle whose signature verifies with our key (and nothing else: no log, no certificate). */
export const bundleSignedBy = (stored: StoredBundle, key: KeyObject): boolean => {
  try {
    const bundle = bundleFromJSON(JSON.parse(stored.bundle.toString('utf8')));
    new Verifier(publicKeyTrustMaterial(key), {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    }).verify(toSignedEntity(bundle));
    return true;
  } catch {
    return false;
  }
};
