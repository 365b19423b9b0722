import { createPublicKey, type KeyObject } from 'node:crypto';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
// The builder alone: the package's index also loads the Fulcio, Rekor and TSA clients and their HTTP stack
// (make-fetch-happen: ~0.7 MB bundled, and most of the package's load time), none of which Tollgate uses.
import { DSSEBundleBuilder } from '@sigstore/sign/dist/bundler/dsse';
import type { Digest, ImageRef, SignatureRef } from '../../../core/domain';
import { MediaType } from '../../../core/oci/media-types';
import { rewriteReferrersIndex } from '../../registry/referrers';
import type { Descriptor } from '../../../core/oci/types';
import type { BundleExpectation } from '../../../core/verify/bundle';
import { cosignKeyHint } from '../../../core/verify/key-ids';
import { dsseEnvelopeIn } from '../../../core/formats/payload/attested-scan';
import { readBundleReferrers, type StoredBundle, type StoredBundles } from '../../verify/read-signatures';
import { defaultBackoff, MAX_ATTEMPTS, untilSettled, type SigningDeps } from '../deps';
import { SignatureConflictError } from '../errors';
import { bundleReferrerAnnotations } from '../../../core/formats/manifest/bundle-referrer';
import { bundleIsOurs, bundleSignedBy } from '../ours';
import {
  IN_TOTO_PAYLOAD_TYPE,
  inTotoStatement,
  statementBytes,
} from '../../../core/formats/payload/statement';

export interface BundleRequest {
  readonly format: BundleExpectation['format'];
  readonly predicateType: string;
  readonly predicate: unknown;
  /** The image's descriptor as already read, so attaching need not look it up again. */
  readonly subject?: Descriptor;
  /**
   * Whether a bundle of ours still says what this request would (its DSSE envelope given). One that does not is
   * replaced: a new one is attached, and the outdated one unlisted once the new one is in place. Absent: every
   * bundle of ours for the predicate type is current.
   */
  readonly current?: (envelope: { readonly payload?: unknown }) => boolean;
  /**
   * Told of each bundle JSON right after it is signed and before it is attached: a copy of its envelope (the
   * `.att` layer) can then be written while the referrer settles, instead of after it.
   */
  readonly onBuilt?: (bundle: Buffer) => void;
}

/**
 * Ensures exactly one bundle of this predicate type, signed by our key, refers to the image. Concurrent signers
 * each attach one, and on registries without the referrers API their tag-schema index updates can overwrite each
 * other; so after attaching we re-read, and converge on the first-listed bundle of ours, unlisting the rest.
 */
export const signBundleReferrer = async (
  deps: SigningDeps,
  image: ImageRef,
  request: BundleRequest,
  listed?: StoredBundles,
): Promise<SignatureRef> => (await settleBundleReferrer(deps, image, request, listed)).ref;

/** The bundle referrer settled on, and the bundle JSON it holds (for the `.att` copy of its DSSE envelope). */
export interface SettledBundle {
  readonly ref: SignatureRef;
  readonly bundle: Buffer;
}

export const settleBundleReferrer = async (
  deps: SigningDeps,
  image: ImageRef,
  request: BundleRequest,
  /** The referrers as just read by the caller, for the first attempt: one listing serves every format. */
  listed?: StoredBundles,
): Promise<SettledBundle> => {
  const identity = `${image.registry}/${image.repository}`;
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  const expected: BundleExpectation = {
    digest: image.digest,
    predicateType: request.predicateType,
    format: request.format,
  };

  // Concurrent signers each attach one, so what counts is the listing read after attaching. On a registry without
  // the referrers API that listing is an index rewritten read-modify-write, with no conditional PUT to make it
  // atomic: a concurrent signer's rewrite can still land after ours. One pause before reading lets those land, so
  // the listing judged is the settled one (without it, 5 concurrent signers left a duplicate now and then).
  // With the referrers API each referrer is a manifest of its own, listed as its PUT returns: nothing to let land.
  const settled = await untilSettled(deps, async (round) => {
    const stored =
      round === 0 && listed !== undefined
        ? listed
        : await readBundleReferrers(deps.registry, image.repository, image.digest);
    if (oursInOrder(stored, expected, key, request.current).length > 0)
      return converge(deps, image, identity, stored, expected, key, request.current);
    await attach(deps, image, identity, request);
    if (stored.listing.source === 'tag-schema') await (deps.backoff ?? defaultBackoff)(0);
    return converge(
      deps,
      image,
      identity,
      await readBundleReferrers(deps.registry, image.repository, image.digest),
      expected,
      key,
      request.current,
    );
  });
  if (settled === undefined) {
    throw new SignatureConflictError(
      `${identity}@${image.digest}: could not settle on one ${request.predicateType} bundle in ${MAX_ATTEMPTS} attempts`,
    );
  }
  return settled;
};

// In listing order: appenders add at the end, so the first is the one earlier signers most likely settled on and
// reported, and concurrent pruners reading the same index agree on it.
const oursInOrder = (
  stored: StoredBundles,
  expected: BundleExpectation,
  key: KeyObject,
  current: BundleRequest['current'],
): Digest[] => [
  ...new Set(
    stored.bundles
      .filter((bundle) => isCurrentOfOurs(bundle, expected, key, current))
      .map((b) => b.descriptor.digest),
  ),
];

const isCurrentOfOurs = (
  bundle: StoredBundle,
  expected: BundleExpectation,
  key: KeyObject,
  current: BundleRequest['current'],
): boolean =>
  bundleIsOurs(bundle, expected, key) &&
  (current === undefined || current(dsseEnvelopeIn(bundle.bundle, 'bundle')));

/** Our bundle when exactly one is listed; otherwise unlists the duplicates (or finds none) and asks to re-read. */
const converge = async (
  deps: SigningDeps,
  image: ImageRef,
  identity: string,
  stored: StoredBundles,
  expected: BundleExpectation,
  key: KeyObject,
  current: BundleRequest['current'],
): Promise<SettledBundle | undefined> => {
  const [keep, ...duplicates] = oursInOrder(stored, expected, key, current);
  if (keep === undefined) return undefined;
  const outdated = outdatedOfOurs(stored, expected, key, current);
  if (duplicates.length === 0 && outdated.length === 0) {
    const bundle = stored.bundles.find((candidate) => candidate.descriptor.digest === keep)!.bundle;
    return { ref: { format: expected.format, reference: `${identity}@${keep}` }, bundle };
  }
  await prune(deps, image, stored, [...duplicates, ...outdated]);
  return undefined;
};

/**
 * Bundles our key signed for this predicate type that are no longer current: those that fail our own
 * (Go-verifier-strict) check, written before the DSSE keyid was left empty, and attestations of an older scan than
 * the one on record. cosign and Kyverno settle for any bundle that verifies, so an old one would keep vouching for
 * the old scan next to the new; they go once the new one is in place, so one of ours stays per digest.
 */
const outdatedOfOurs = (
  stored: StoredBundles,
  expected: BundleExpectation,
  key: KeyObject,
  current: BundleRequest['current'],
): Digest[] => [
  ...new Set(
    stored.bundles
      .filter(
        (bundle) =>
          bundle.claimedPredicateType === expected.predicateType &&
          !isCurrentOfOurs(bundle, expected, key, current) &&
          bundleSignedBy(bundle, key),
      )
      .map((bundle) => bundle.descriptor.digest),
  ),
];

const attach = async (
  deps: SigningDeps,
  image: ImageRef,
  identity: string,
  request: BundleRequest,
): Promise<Digest> => {
  const statement = inTotoStatement(identity, image.digest, request.predicateType, request.predicate);
  const built = await new DSSEBundleBuilder({ signer: deps.signer, witnesses: [] }).create({
    data: statementBytes(statement),
    type: IN_TOTO_PAYLOAD_TYPE,
  });
  const key = createPublicKey((await deps.publicKey.publicKey()).pem);
  const artifact = Buffer.from(JSON.stringify(forGoVerifiers(bundleToJSON(built), key)));
  request.onBuilt?.(artifact);
  return deps.referrers.attach({
    repository: image.repository,
    subject: image.digest,
    artifact,
    mediaType: MediaType.sigstoreBundleV03,
    annotations: bundleReferrerAnnotations(request.predicateType),
    ...(request.subject === undefined ? {} : { subjectDescriptor: request.subject }),
  });
};

/**
 * The builder writes the signer's key hint (the KMS key ARN) both as the DSSE `keyid` and as
 * `verificationMaterial.publicKey.hint`. go-securesystemslib's DSSE verifier, under sigstore-go, cosign v3 and
 * Kyverno, skips a signature whose non-empty keyid is not its own SHA256KeyID of the key, and then finds none;
 * so the keyid is left empty, as cosign and sigstore-go write it. It is outside the PAE: the signature is the
 * same. The hint is what cosign v3 writes for a key (base64 SHA-256 of its SPKI DER): no verifier needs it, and
 * this way it names the key without publishing the account, region and key ID of an ARN in every bundle.
 */
export const forGoVerifiers = (bundle: SerializedBundle, key: KeyObject): SerializedBundle => {
  const copy = structuredClone(bundle);
  for (const signature of copy.dsseEnvelope?.signatures ?? []) signature.keyid = '';
  if (copy.verificationMaterial.publicKey !== undefined) {
    copy.verificationMaterial.publicKey.hint = cosignKeyHint(key);
  }
  return copy;
};

/**
 * Removes duplicate bundles of ours. With the tag schema they are only dropped from the index, never deleted:
 * a concurrent writer may still hold an index listing them, and Distribution refuses an index whose manifests
 * are gone. The unlisted manifests are invisible to every verifier. With the referrers API, deletion is the
 * only way to unlist them.
 */
const prune = async (
  deps: SigningDeps,
  image: ImageRef,
  stored: StoredBundles,
  remove: readonly Digest[],
): Promise<void> => {
  if (stored.listing.source === 'api') {
    for (const digest of remove) await deps.registry.deleteManifest(image.repository, digest);
    return;
  }
  await rewriteReferrersIndex(deps.registry, image.repository, image.digest, stored.listing, (descriptors) =>
    descriptors.filter((descriptor) => !remove.includes(descriptor.digest)),
  );
};
