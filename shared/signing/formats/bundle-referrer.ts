import { createPublicKey, type KeyObject } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
// The builder alone: the package's index also loads the Fulcio, Rekor and TSA clients and their HTTP stack
// (make-fetch-happen: ~0.7 MB bundled, and most of the package's load time), none of which Tollgate uses.
import { DSSEBundleBuilder } from '@sigstore/sign/dist/bundler/dsse';
import type { Digest, ImageRef, SignatureRef } from '../../domain';
import { MediaType } from '../../oci/media-types';
import { rewriteReferrersIndex } from '../../oci/referrers';
import type { Descriptor } from '../../oci/types';
import type { BundleExpectation } from '../../verify/bundle';
import { readBundleReferrers, type StoredBundles } from '../../verify/read-signatures';
import { defaultBackoff, MAX_ATTEMPTS, untilSettled, type SigningDeps } from '../deps';
import { SignatureConflictError } from '../errors';
import { bundleReferrerAnnotations } from '../manifest/bundle-referrer';
import { bundleIsOurs } from '../ours';
import { IN_TOTO_PAYLOAD_TYPE, inTotoStatement, statementBytes } from '../payload/statement';

export interface BundleRequest {
  readonly format: BundleExpectation['format'];
  readonly predicateType: string;
  readonly predicate: unknown;
  /** The image's descriptor as already read, so attaching need not look it up again. */
  readonly subject?: Descriptor;
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
): Promise<SignatureRef> => {
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
  const settled = await untilSettled(deps, async () => {
    const stored = await readBundleReferrers(deps.registry, image.repository, image.digest);
    if (oursInOrder(stored, expected, key).length > 0)
      return converge(deps, image, identity, stored, expected, key);
    await attach(deps, image, identity, request);
    await (deps.backoff ?? defaultBackoff)(0);
    return converge(
      deps,
      image,
      identity,
      await readBundleReferrers(deps.registry, image.repository, image.digest),
      expected,
      key,
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
const oursInOrder = (stored: StoredBundles, expected: BundleExpectation, key: KeyObject): Digest[] => [
  ...new Set(
    stored.bundles.filter((bundle) => bundleIsOurs(bundle, expected, key)).map((b) => b.descriptor.digest),
  ),
];

/** Our bundle when exactly one is listed; otherwise unlists the duplicates (or finds none) and asks to re-read. */
const converge = async (
  deps: SigningDeps,
  image: ImageRef,
  identity: string,
  stored: StoredBundles,
  expected: BundleExpectation,
  key: KeyObject,
): Promise<SignatureRef | undefined> => {
  const [keep, ...duplicates] = oursInOrder(stored, expected, key);
  if (keep === undefined) return undefined;
  if (duplicates.length === 0) return { format: expected.format, reference: `${identity}@${keep}` };
  await prune(deps, image, stored, duplicates);
  return undefined;
};

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
  // The builder writes the signer's key hint (the KMS key ARN) as the DSSE `keyid`. Go verifiers skip a
  // signature whose non-empty keyid is not their own SHA256KeyID of the key, so it is left empty, as cosign and
  // sigstore-go write it. `keyid` is outside the PAE: the signature is unchanged.
  const bundle = {
    ...built,
    content: {
      ...built.content,
      dsseEnvelope: {
        ...built.content.dsseEnvelope,
        signatures: built.content.dsseEnvelope.signatures.map((signature) => ({ ...signature, keyid: '' })),
      },
    },
  };
  return deps.referrers.attach({
    repository: image.repository,
    subject: image.digest,
    artifact: Buffer.from(JSON.stringify(bundleToJSON(bundle))),
    mediaType: MediaType.sigstoreBundleV03,
    annotations: bundleReferrerAnnotations(request.predicateType),
    ...(request.subject === undefined ? {} : { subjectDescriptor: request.subject }),
  });
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
