import { mayBeSigned, type ApprovedVerdict, type Digest, type ImageRef, type SignatureRef } from '../domain';
import { parseManifest } from '../oci/manifest';
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
  const manifest = parseManifest(await deps.registry.getManifest(image.repository, image.digest));
  const children = manifest.kind === 'index' ? manifest.manifest.manifests.map((child) => child.digest) : [];
  const digests = [...new Set<Digest>([image.digest, ...children])];

  const refs: SignatureRef[] = [];
  for (const digest of digests) {
    const target: ImageRef = { registry: image.registry, repository: image.repository, digest };
    await deps.beforeSign?.(target);
    for (const format of formats) refs.push(await signFormat(deps, target, verdict, format));
  }
  return refs;
};

const signFormat = (
  deps: SigningDeps,
  image: ImageRef,
  verdict: ApprovedVerdict,
  format: SignatureFormat,
): Promise<SignatureRef> => {
  switch (format) {
    case 'cosign-legacy':
      return signCosignLegacy(deps, image);
    case 'sigstore-bundle':
      return signBundleReferrer(deps, image, { format, predicateType: COSIGN_SIGN_PREDICATE, predicate: {} });
    case 'vuln-attestation':
      return signBundleReferrer(deps, image, {
        format,
        predicateType: COSIGN_VULN_PREDICATE,
        predicate: vulnPredicate(verdict),
      });
  }
};
