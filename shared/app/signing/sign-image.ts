import { RegistryRequestError } from '../../core/oci/errors';
import { SIGNATURE_FORMATS } from '../../core/domain/signature-format';
import {
  mayBeSigned,
  type ApprovedVerdict,
  type Digest,
  type ImageRef,
  type SignatureRef,
} from '../../core/domain';
import { parseManifest } from '../../core/oci/manifest';
import { manifestKind, type ManifestKind } from '../../core/oci/manifest-kind';
import type { Descriptor } from '../../core/oci/types';
import type { SignatureFormat } from '../../core/verify/result';
import type { SigningDeps } from './deps';
import { SigningRefusedError } from './errors';
import { signBundleReferrer } from './formats/bundle-referrer';
import { signCosignLegacy } from './formats/cosign-legacy';
import { signVulnAttestation } from './formats/vuln-attestation';
import { readBundleReferrers, type StoredBundles } from '../verify/read-signatures';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../../core/formats/payload/statement';
import { vulnPredicate } from '../../core/formats/payload/vuln-predicate';

export const ALL_SIGNATURE_FORMATS: readonly SignatureFormat[] = SIGNATURE_FORMATS;

/**
 * Signs an APPROVED image by digest in each requested format. An image index is signed together with every entry
 * a runtime could pull from it, so a verifier resolving a platform finds a signature. What an entry is comes from
 * its own manifest, never from the index's annotations: only a real attestation manifest (statement layers only)
 * is left unsigned. Every digest is put to `beforeSign` before any is signed, and again right before it is
 * signed: the caller refuses any digest whose own record is not APPROVED, so no digest is ever signed on the
 * strength of another digest's verdict. Idempotent: a signature of ours already present is reused.
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
    for (const entry of await pullableEntries(deps, image, manifest.manifest.manifests)) {
      if (!subjects.has(entry.digest)) {
        subjects.set(entry.digest, { mediaType: entry.mediaType, digest: entry.digest, size: entry.size });
      }
    }
  }

  const targets = [...subjects].map(([digest, subject]) => ({
    target: { registry: image.registry, repository: image.repository, digest } satisfies ImageRef,
    subject,
  }));
  // All of them first: an index with one unjudged entry must not end half signed.
  if (targets.length > 1) for (const { target } of targets) await deps.beforeSign?.(target);
  const refs: SignatureRef[] = [];
  for (const [position, { target, subject }] of targets.entries()) {
    if (targets.length === 1 || position > 0) await deps.beforeSign?.(target);
    // The index itself is the first target of several: a referrer the registry will not take for an index subject
    // leaves the index without that format, and its platform images, which runtimes pull, are signed all the same.
    const index = targets.length > 1 && position === 0;
    refs.push(...(await signFormats(deps, target, subject, verdict, formats, index)));
  }
  return refs;
};

/** The entries of an index that are not attestation manifests, each judged by the bytes its digest names. */
const pullableEntries = async (
  deps: SigningDeps,
  image: ImageRef,
  entries: readonly Descriptor[],
): Promise<Descriptor[]> => {
  const kinds = await Promise.all(
    entries.map(async (entry): Promise<ManifestKind> => {
      if (entry.digest === image.digest) return 'index';
      const content = await deps.registry.getManifest(image.repository, entry.digest);
      return manifestKind(content.bytes.toString('utf8'));
    }),
  );
  return entries.filter((_, position) => kinds[position] !== 'attestation');
};

/**
 * cosign-legacy writes the `.sig` tag and the bundle formats write referrers: independent, so they run side by
 * side. One listing of the referrers serves both bundle formats' first look. With the referrers API (ECR) each
 * referrer is a manifest of its own, so the two bundle formats run side by side too; on the tag schema they share
 * the `sha256-<hex>` index, so they run one after the other, never racing each other's read-modify-write. Every
 * format is waited for before anything is thrown, so no write goes on after the invocation has failed.
 */
const signFormats = async (
  deps: SigningDeps,
  image: ImageRef,
  subject: Descriptor,
  verdict: ApprovedVerdict,
  formats: readonly SignatureFormat[],
  index = false,
): Promise<SignatureRef[]> => {
  const legacy = formats.includes('cosign-legacy')
    ? signFormat(deps, image, subject, verdict, 'cosign-legacy')
    : Promise.resolve(undefined);
  const bundleFormats = formats.filter((format) => format !== 'cosign-legacy');
  const bundles = (async () => {
    const signed = new Map<SignatureFormat, SignatureRef>();
    if (bundleFormats.length === 0) return signed;
    let listed: StoredBundles | undefined = await readBundleReferrers(
      deps.registry,
      image.repository,
      image.digest,
    );
    const one = async (format: SignatureFormat, first: StoredBundles | undefined): Promise<void> => {
      try {
        signed.set(format, await signFormat(deps, image, subject, verdict, format, first));
      } catch (error) {
        if (!index || !refusesIndexSubject(error)) throw error;
        deps.onIndexRefusal?.(
          `${format}: the registry refused a referrer whose subject is the index ${image.digest} (${(error as Error).message}); the index has no ${format}, each platform image has its own`,
        );
      }
    };
    if (listed.listing.source === 'api') {
      await settleAll(bundleFormats.map((format) => one(format, listed)));
      return signed;
    }
    for (const format of bundleFormats) {
      await one(format, listed);
      // The index the next format reads is the one this format just rewrote.
      listed = undefined;
    }
    return signed;
  })();
  const [legacyRef, bundleRefs] = await Promise.allSettled([legacy, bundles]);
  if (legacyRef.status === 'rejected') throw legacyRef.reason;
  if (bundleRefs.status === 'rejected') throw bundleRefs.reason;
  return formats.flatMap((format) => {
    const ref = format === 'cosign-legacy' ? legacyRef.value : bundleRefs.value.get(format);
    return ref === undefined ? [] : [ref];
  });
};

/** Waits for every one, then throws the first failure. */
const settleAll = async (running: readonly Promise<void>[]): Promise<void> => {
  const results = await Promise.allSettled(running);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
};

/** ECR's answer to a referrer with an index as its subject (aws/containers-roadmap#2783): 405 Method Not Allowed. */
const refusesIndexSubject = (error: unknown): boolean =>
  error instanceof RegistryRequestError && error.status === 405;

const signFormat = (
  deps: SigningDeps,
  image: ImageRef,
  subject: Descriptor,
  verdict: ApprovedVerdict,
  format: SignatureFormat,
  listed?: StoredBundles,
): Promise<SignatureRef> => {
  switch (format) {
    case 'cosign-legacy':
      return signCosignLegacy(deps, image);
    case 'sigstore-bundle':
      return signBundleReferrer(
        deps,
        image,
        { format, predicateType: COSIGN_SIGN_PREDICATE, predicate: {}, subject },
        listed,
      );
    case 'vuln-attestation':
      // The bundle referrer and, with the same envelope, the legacy `.att` layer (formats/vuln-attestation.ts).
      return signVulnAttestation(
        deps,
        image,
        { format, predicateType: COSIGN_VULN_PREDICATE, predicate: vulnPredicate(verdict), subject },
        listed,
      );
  }
};
