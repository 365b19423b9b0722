import { mayBeSigned, type ApprovedVerdict, type Digest, type ImageRef, type SignatureRef } from '../domain';
import { parseManifest } from '../oci/manifest';
import type { Descriptor } from '../oci/types';
import type { SignatureFormat } from '../verify/result';
import type { SigningDeps } from './deps';
import { SigningRefusedError } from './errors';
import { signBundleReferrer } from './formats/bundle-referrer';
import { signCosignLegacy } from './formats/cosign-legacy';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from './payload/statement';
import { vulnPredicate } from './payload/vuln-predicate';

export const ALL_SIGNATURE_FORMATS: readonly SignatureFormat[] = [
  'cosign-legacy',
  'sigstore-bundle',
  'vuln-attestation',
];

/**
 * Signs an APPROVED image by digest in each requested format. An image index is signed together with every
 * manifest it lists (as `cosign sign --recursive` does), so a verifier resolving a platform finds a signature.
 * Idempotent: a signature of ours already present is reused, never added twice.
 */
export const signImage = async (
  deps: SigningDeps,
  image: ImageRef,
  verdict: ApprovedVerdict,
  formats: readonly SignatureFormat[] = ALL_SIGNATURE_FORMATS,
): Promise<SignatureRef[]> => {
  // Fail closed even when the types were bypassed: only an APPROVED verdict for this very image is signed.
  if (!mayBeSigned(verdict))
    throw new SigningRefusedError(`verdict is ${(verdict as { outcome: string }).outcome}`);
  if (verdict.image.digest !== image.digest || verdict.image.repository !== image.repository) {
    throw new SigningRefusedError(
      `the verdict is for ${verdict.image.repository}@${verdict.image.digest}, not ${image.repository}@${image.digest}`,
    );
  }
  const fetched = await deps.registry.getManifest(image.repository, image.digest);
  const manifest = parseManifest(fetched);
  // Descriptors of what was just read (the index) or listed in it, so no format needs to look them up again.
  const subjects = new Map<Digest, Descriptor>([
    [image.digest, { mediaType: fetched.mediaType, digest: image.digest, size: fetched.bytes.length }],
  ]);
  if (manifest.kind === 'index') {
    for (const child of manifest.manifest.manifests) {
      if (!subjects.has(child.digest)) {
        subjects.set(child.digest, { mediaType: child.mediaType, digest: child.digest, size: child.size });
      }
    }
  }

  const refs: SignatureRef[] = [];
  for (const [digest, subject] of subjects) {
    const target: ImageRef = { registry: image.registry, repository: image.repository, digest };
    await deps.beforeSign?.(target);
    refs.push(...(await signFormats(deps, target, subject, verdict, formats)));
  }
  return refs;
};

/**
 * cosign-legacy writes the `.sig` tag and the bundle formats write referrers: independent, so the two run side
 * by side. The bundles share the `sha256-<hex>` index, so they run one after the other, never racing each other.
 * Both are waited for before anything is thrown, so no write goes on after the invocation has failed.
 */
const signFormats = async (
  deps: SigningDeps,
  image: ImageRef,
  subject: Descriptor,
  verdict: ApprovedVerdict,
  formats: readonly SignatureFormat[],
): Promise<SignatureRef[]> => {
  const legacy = formats.includes('cosign-legacy')
    ? signFormat(deps, image, subject, verdict, 'cosign-legacy')
    : Promise.resolve(undefined);
  const bundles = (async () => {
    const signed = new Map<SignatureFormat, SignatureRef>();
    for (const format of formats) {
      if (format !== 'cosign-legacy')
        signed.set(format, await signFormat(deps, image, subject, verdict, format));
    }
    return signed;
  })();
  const [legacyRef, bundleRefs] = await Promise.allSettled([legacy, bundles]);
  if (legacyRef.status === 'rejected') throw legacyRef.reason;
  if (bundleRefs.status === 'rejected') throw bundleRefs.reason;
  return formats.map((format) =>
    format === 'cosign-legacy' ? legacyRef.value! : bundleRefs.value.get(format)!,
  );
};

const signFormat = (
  deps: SigningDeps,
  image: ImageRef,
  subject: Descriptor,
  verdict: ApprovedVerdict,
  format: SignatureFormat,
): Promise<SignatureRef> => {
  switch (format) {
    case 'cosign-legacy':
      return signCosignLegacy(deps, image);
    case 'sigstore-bundle':
      return signBundleReferrer(deps, image, {
        format,
        predicateType: COSIGN_SIGN_PREDICATE,
        predicate: {},
        subject,
      });
    case 'vuln-attestation':
      return signBundleReferrer(deps, image, {
        format,
        predicateType: COSIGN_VULN_PREDICATE,
        predicate: vulnPredicate(verdict),
        subject,
      });
  }
};
