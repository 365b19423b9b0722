import { createPublicKey } from 'node:crypto';
import type { ImageRef } from '../domain';
import type { RegistryClient } from '../oci/registry-client';
import { signatureTag } from '../signing/manifest/cosign-signature';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../signing/payload/statement';
import { verifyBundle } from './bundle';
import { verifyLegacySignature } from './legacy';
import type { PublicKeySource } from './public-key';
import { readBundleReferrers, readLegacySignatures } from './read-signatures';
import { rejected, type SignatureFormat, type VerificationResult } from './result';

export interface VerifyImageDeps {
  readonly registry: RegistryClient;
  readonly publicKey: PublicKeySource;
}

export interface VerifyImageOptions {
  /** @default all three */
  readonly formats?: readonly SignatureFormat[];
}

export const PREDICATE_TYPE_BY_FORMAT = {
  'sigstore-bundle': COSIGN_SIGN_PREDICATE,
  'vuln-attestation': COSIGN_VULN_PREDICATE,
} as const;

const ALL_FORMATS: readonly SignatureFormat[] = ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'];

/**
 * Reads every signature Tollgate's formats define for `image` and verifies each against the trusted key.
 * One result per signature found, and one `NOT_FOUND` result for a requested format with nothing stored.
 * The image is valid for a format when any of its results is.
 */
export const verifyImageSignatures = async (
  deps: VerifyImageDeps,
  image: ImageRef,
  options: VerifyImageOptions = {},
): Promise<VerificationResult[]> => {
  const formats = options.formats ?? ALL_FORMATS;
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  const identity = `${image.registry}/${image.repository}`;
  const results: VerificationResult[] = [];

  if (formats.includes('cosign-legacy')) {
    const stored = await readLegacySignatures(deps.registry, image.repository, image.digest);
    const tag = `${identity}:${signatureTag(image.digest)}`;
    for (const [index, layer] of (stored?.layers ?? []).entries()) {
      results.push(verifyLegacySignature(layer, { digest: image.digest, identity }, key, `${tag}#${index}`));
    }
    if (stored === undefined || stored.layers.length === 0) {
      results.push(rejected('cosign-legacy', 'NOT_FOUND', `no signatures under ${tag}`));
    }
  }

  const bundleFormats = formats.filter((format) => format !== 'cosign-legacy');
  if (bundleFormats.length > 0) {
    const { bundles } = await readBundleReferrers(deps.registry, image.repository, image.digest);
    for (const format of bundleFormats) {
      const predicateType = PREDICATE_TYPE_BY_FORMAT[format];
      // Sorting by the unsigned annotation only picks which check applies; the signed statement decides.
      const mine = bundles.filter(
        (stored) => (stored.claimedPredicateType ?? COSIGN_SIGN_PREDICATE) === predicateType,
      );
      for (const stored of mine) {
        const reference = `${identity}@${stored.descriptor.digest}`;
        results.push(
          verifyBundle(stored.bundle, { digest: image.digest, predicateType, format }, key, reference),
        );
      }
      if (mine.length === 0) {
        results.push(
          rejected(format, 'NOT_FOUND', `no ${predicateType} bundle refers to ${identity}@${image.digest}`),
        );
      }
    }
  }
  return results;
};
