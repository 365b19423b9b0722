import { SIGNATURE_FORMATS } from '../../shared/core/domain/signature-format';
import { createPublicKey } from 'node:crypto';
import type { ImageRef } from '../../shared/core/domain';
import { DEFAULT_VERIFICATION_TIMEOUT_MS, withDeadline } from '../../shared/app/registry/deadline';
import type { RegistryClient } from '../../shared/app/ports/registry-client';
import { referrersTag } from '../../shared/core/oci/digest';
import { signatureTag } from '../../shared/core/formats/manifest/cosign-signature';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../../shared/core/formats/payload/statement';
import { verifyBundle } from '../../shared/core/verify/bundle';
import { verifyLegacySignature } from '../../shared/core/verify/legacy';
import type { PublicKeySource } from '../../shared/app/verify/public-key';
import {
  orUnreadable,
  readBundleReferrers,
  readLegacySignatures,
} from '../../shared/app/verify/read-signatures';
import { rejected, type SignatureFormat, type VerificationResult } from '../../shared/core/verify/result';

export interface VerifyImageDeps {
  readonly registry: RegistryClient;
  readonly publicKey: PublicKeySource;
}

export interface VerifyImageOptions {
  /** @default all three */
  readonly formats?: readonly SignatureFormat[];
  /** One deadline for every registry request of this verification. @default DEFAULT_VERIFICATION_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

export const PREDICATE_TYPE_BY_FORMAT = {
  'sigstore-bundle': COSIGN_SIGN_PREDICATE,
  'vuln-attestation': COSIGN_VULN_PREDICATE,
} as const;

const ALL_FORMATS: readonly SignatureFormat[] = SIGNATURE_FORMATS;

/**
 * A second reader, for tests: per format, what is stored and whether it verifies, where `tollgate verify`
 * (shared/app/gate/verify-image.ts) answers only whether the image may run.
 *
 * Reads every signature Tollgate's formats define for `image` and verifies each against the trusted key.
 * One result per signature found, and one `NOT_FOUND` result for a requested format with nothing stored.
 * The image is valid for a format when any of its results is.
 */
export const verifyImageSignatures = async (
  deps: VerifyImageDeps,
  image: ImageRef,
  options: VerifyImageOptions = {},
): Promise<VerificationResult[]> =>
  withDeadline(options.timeoutMs ?? DEFAULT_VERIFICATION_TIMEOUT_MS, () =>
    verifyWithinDeadline(deps, image, options),
  );

const verifyWithinDeadline = async (
  deps: VerifyImageDeps,
  image: ImageRef,
  options: VerifyImageOptions,
): Promise<VerificationResult[]> => {
  const formats = options.formats ?? ALL_FORMATS;
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  const identity = `${image.registry}/${image.repository}`;
  const results: VerificationResult[] = [];

  if (formats.includes('cosign-legacy')) {
    const stored = await orUnreadable(readLegacySignatures(deps.registry, image.repository, image.digest));
    const tag = `${identity}:${signatureTag(image.digest)}`;
    if (stored instanceof Error) {
      // The `.sig` manifest itself is too large or malformed: this format is unreadable, the others still count.
      results.push(rejected('cosign-legacy', 'UNREADABLE', stored.message, tag));
    } else {
      for (const [index, layer] of (stored?.layers ?? []).entries()) {
        results.push(
          verifyLegacySignature(layer, { digest: image.digest, identity }, key, `${tag}#${index}`),
        );
      }
      if (stored === undefined || stored.layers.length === 0) {
        results.push(rejected('cosign-legacy', 'NOT_FOUND', `no signatures under ${tag}`));
      }
    }
  }

  const bundleFormats = formats.filter((format) => format !== 'cosign-legacy');
  if (bundleFormats.length > 0) {
    // A referrers listing that cannot be read (the tag-schema tag overwritten with an image, an oversized index)
    // makes the bundle formats UNREADABLE; it must not hide a legacy signature checked above.
    const stored = await orUnreadable(readBundleReferrers(deps.registry, image.repository, image.digest));
    if (stored instanceof Error) {
      const where = `${identity}:${referrersTag(image.digest)}`;
      for (const format of bundleFormats) {
        results.push(rejected(format, 'UNREADABLE', `referrers unreadable: ${stored.message}`, where));
      }
      return results;
    }
    const { bundles, unreadable } = stored;
    for (const format of bundleFormats) {
      const predicateType = PREDICATE_TYPE_BY_FORMAT[format];
      // Sorting by the unsigned annotation only picks which check applies; the signed statement decides.
      const mine = bundles.filter(
        (bundle) => (bundle.claimedPredicateType ?? COSIGN_SIGN_PREDICATE) === predicateType,
      );
      for (const bundle of mine) {
        const reference = `${identity}@${bundle.descriptor.digest}`;
        results.push(
          verifyBundle(bundle.bundle, { digest: image.digest, predicateType, format }, key, reference),
        );
      }
      // An unreadable referrer is reported under the format its (unsigned) annotation claims, or as a signature.
      const skipped = unreadable.filter(
        (entry) => (entry.claimedPredicateType ?? COSIGN_SIGN_PREDICATE) === predicateType,
      );
      for (const entry of skipped) {
        const reference =
          entry.descriptor === undefined ? undefined : `${identity}@${entry.descriptor.digest}`;
        results.push(rejected(format, 'UNREADABLE', entry.reason, reference));
      }
      if (mine.length === 0 && skipped.length === 0) {
        results.push(
          rejected(format, 'NOT_FOUND', `no ${predicateType} bundle refers to ${identity}@${image.digest}`),
        );
      }
    }
  }
  return results;
};
