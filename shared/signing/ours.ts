import type { KeyObject } from 'node:crypto';
import type { ImageRef } from '../domain';
import { sha256Digest } from '../oci/digest';
import { verifyBundle, type BundleExpectation } from '../verify/bundle';
import { verifyLegacySignature, type LegacySignatureLayer } from '../verify/legacy';
import type { StoredBundle } from '../verify/read-signatures';

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
