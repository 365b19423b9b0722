import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Digest } from '../../core/domain';
import { DEFAULT_VERIFICATION_TIMEOUT_MS, withDeadline } from '../registry/deadline';
import { referrersTag } from '../../core/oci/digest';
import type { RegistryClient } from '../ports/registry-client';
import { signatureTag } from '../../core/formats/manifest/cosign-signature';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../../core/formats/payload/statement';
import {
  readBundleReferrers,
  readLegacySignatures,
  verifyBundle,
  verifyLegacySignature,
  type PublicKeySource,
  type StoredBundle,
  type StoredLegacySignatures,
  type VerificationResult,
} from '../verify';
import {
  orUnreadable,
  type UnreadableArtifactError,
  type UnreadableReferrer,
} from '../verify/read-signatures';
import { ATTESTATION_RANK, judgeVulnPredicate } from '../../core/gate/attestation';
import { namesRepository, signedStatement, subjectNames } from '../../core/gate/bundle-statement';
import { formatDuration, parseDuration } from '../../core/gate/duration';
import { InvalidDurationError, PublicKeyError } from '../../core/gate/errors';
import {
  formatImageReference,
  parseImageReference,
  repositoryIdentity,
  type ImageReference,
} from '../../core/gate/image-reference';
import { parseKeyReference, type KeyReference } from '../../core/gate/key-reference';
import type { AttestationReport, GateResult, GateSignature } from '../../core/gate/result';

/** The adapters a gate needs: `defaultGateDeps()` wires the real ones (ECR, ~/.docker/config.json, KMS, files). */
export interface GateDeps {
  /** A Distribution API client for a registry, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  readonly registry: (registry: string) => RegistryClient;
  /** The trusted key a `--key` reference names. */
  readonly publicKey: (reference: KeyReference) => PublicKeySource;
}

/** One trusted key: a `--key` reference (`awskms:///…`, a PEM file) or a key source. */
export type TrustedKey = string | PublicKeySource;

export interface VerifyImageRequest {
  /** `registry/repo:tag`, `registry/repo@sha256:…`, or already parsed. */
  readonly image: string | ImageReference;
  /**
   * `awskms:///alias/…`, a PEM file path, or a key source; or several, any of which may have signed (a key
   * migration, when gates trust the old key and the new one: docs/organization.md).
   */
  readonly key: TrustedKey | readonly TrustedKey[];
  /**
   * Also demand a valid vulnerability attestation whose verdict is APPROVED and whose scan finished within `maxAge`.
   * @default false
   */
  readonly requireAttestation?: boolean;
  /** `7d`, `36h`, … or milliseconds. @default '7d' */
  readonly maxAge?: string | number;
  /** @default new Date() */
  readonly now?: Date;
  /**
   * One deadline for every registry request of this verification: `60s`, `2m`, … or milliseconds. A registry that
   * stalls fails the verification with a RegistryTimeoutError naming the URL it was waiting for.
   * @default 60 s (DEFAULT_VERIFICATION_TIMEOUT_MS)
   */
  readonly timeout?: string | number;
}

/**
 * Is this image signed by the trusted key? The tag (if any) is resolved to a digest once, and every later read is
 * by that digest, so a tag moved half-way cannot mix two images. One valid signature, legacy `.sig` or v0.3 bundle,
 * is enough; every signature found is reported with the reason it was accepted or refused.
 *
 * Answers "not verified" in the result; throws (TollgateError subclasses) only when it cannot answer at all: an
 * unreachable registry, refused credentials, an unusable key, a registry that did not answer before the deadline
 * (`timeout`; RegistryTimeoutError naming the URL), an image manifest over the 4 MiB limit.
 */
export const verifyImage = async (request: VerifyImageRequest, deps: GateDeps): Promise<GateResult> => {
  const parsed = typeof request.image === 'string' ? parseImageReference(request.image) : request.image;
  const reference: ImageReference =
    parsed.tag === undefined && parsed.digest === undefined ? { ...parsed, tag: 'latest' } : parsed;
  const maxAgeMs =
    typeof request.maxAge === 'number' ? request.maxAge : parseDuration(request.maxAge ?? '7d');
  if (!(maxAgeMs > 0) || !Number.isSafeInteger(maxAgeMs))
    throw new InvalidDurationError(String(request.maxAge));
  const timeoutMs =
    request.timeout === undefined
      ? DEFAULT_VERIFICATION_TIMEOUT_MS
      : typeof request.timeout === 'number'
        ? request.timeout
        : parseDuration(request.timeout);
  if (!(timeoutMs > 0) || !Number.isSafeInteger(timeoutMs))
    throw new InvalidDurationError(String(request.timeout));
  return withDeadline(timeoutMs, () => verifyResolved(request, reference, maxAgeMs, deps));
};

const verifyResolved = async (
  request: VerifyImageRequest,
  reference: ImageReference,
  maxAgeMs: number,
  deps: GateDeps,
): Promise<GateResult> => {
  const now = request.now ?? new Date();
  const required = request.requireAttestation ?? false;
  const trusted: readonly TrustedKey[] = isKeyList(request.key) ? request.key : [request.key];
  if (trusted.length === 0) throw new PublicKeyError('no trusted key given');
  const keys = await Promise.all(
    trusted.map((one) =>
      loadPublicKey(typeof one === 'string' ? deps.publicKey(parseKeyReference(one)) : one),
    ),
  );
  const client = deps.registry(reference.registry);
  const identity = repositoryIdentity(reference);
  const image = formatImageReference(reference);
  const maxAge = formatDuration(maxAgeMs);

  const digest = await resolveDigest(client, reference);
  if (digest === undefined) {
    const attestation: AttestationReport = {
      required,
      valid: false,
      status: 'MISSING',
      reason: 'the image does not exist',
      maxAge,
    };
    return {
      image,
      digest: null,
      verified: false,
      signatures: [],
      attestation,
      failures: [`image: ${image} not found in ${reference.registry}`],
    };
  }

  // Each format is read on its own: one that cannot be read (an oversized `.sig`, a referrers tag overwritten with an
  // image) is reported as UNREADABLE and the other still decides. Only an unreachable registry or the deadline
  // stops the whole verification.
  const [legacy, referrers] = await Promise.all([
    orUnreadable(readLegacySignatures(client, reference.repository, digest)),
    orUnreadable(readBundleReferrers(client, reference.repository, digest)),
  ]);
  const claims = (stored: { readonly claimedPredicateType: string | undefined }): string =>
    stored.claimedPredicateType ?? COSIGN_SIGN_PREDICATE;
  const bundles = referrers instanceof Error ? [] : referrers.bundles;
  const unreadable: readonly UnreadableReferrer[] =
    referrers instanceof Error
      ? [{ claimedPredicateType: undefined, reason: `referrers unreadable: ${referrers.message}` }]
      : referrers.unreadable;
  const listingReference = `${identity}:${referrersTag(digest)}`;
  const signatures = [
    ...legacySignatures(legacy, digest, identity, keys),
    ...bundles
      .filter((stored) => claims(stored) === COSIGN_SIGN_PREDICATE)
      .map((stored) => bundleSignature(stored, digest, identity, keys)),
    ...unreadable
      .filter((entry) => claims(entry) === COSIGN_SIGN_PREDICATE)
      .map((entry) => unreadableBundle(entry, identity, listingReference)),
  ];
  const attestation = judgeAttestations(
    bundles.filter((stored) => claims(stored) === COSIGN_VULN_PREDICATE),
    // The listing could not be read at all: an attestation may be among what it lists, so it counts as unreadable too.
    unreadable.filter((entry) => claims(entry) === COSIGN_VULN_PREDICATE || referrers instanceof Error),
    { digest, identity, keys, now, maxAgeMs, maxAge, required, listingReference },
  );

  const failures: string[] = [];
  if (!signatures.some((signature) => signature.valid)) {
    failures.push(signatureFailure(signatures, identity, digest));
  }
  if (required && !attestation.valid) {
    failures.push(`attestation: ${attestation.status}: ${attestation.reason}`);
  }
  return { image, digest, verified: failures.length === 0, signatures, attestation, failures };
};

const isKeyList = (key: VerifyImageRequest['key']): key is readonly TrustedKey[] => Array.isArray(key);

/**
 * A signature is good when any trusted key made it: the first valid result, else the first key's refusal (with one
 * key, exactly that key's answer).
 */
const underAnyKey = (
  keys: readonly KeyObject[],
  verify: (key: KeyObject) => VerificationResult,
): VerificationResult => {
  let refusal: VerificationResult | undefined;
  for (const key of keys) {
    const result = verify(key);
    if (result.valid) return result;
    refusal ??= result;
  }
  return refusal!;
};

const loadPublicKey = async (source: PublicKeySource): Promise<KeyObject> => {
  const material = await source.publicKey();
  try {
    return createPublicKey(material.pem);
  } catch (error) {
    throw new PublicKeyError(`the trusted key is not a PEM public key: ${(error as Error).message}`, {
      cause: error,
    });
  }
};

const resolveDigest = async (
  client: RegistryClient,
  reference: ImageReference,
): Promise<Digest | undefined> => {
  // The client checks the bytes hash to the digest it reports, so the digest cannot be a registry's say-so.
  const manifest = await client.findManifest(
    reference.repository,
    reference.digest ?? reference.tag ?? 'latest',
  );
  return manifest?.digest;
};

const legacySignatures = (
  stored: StoredLegacySignatures | UnreadableArtifactError | undefined,
  digest: Digest,
  identity: string,
  keys: readonly KeyObject[],
): GateSignature[] => {
  if (stored === undefined) return [];
  const tag = `${identity}:${signatureTag(digest)}`;
  if (stored instanceof Error) {
    return [
      { format: 'cosign-legacy', valid: false, code: 'UNREADABLE', reason: stored.message, reference: tag },
    ];
  }
  if (stored.parsed === undefined) {
    return [
      {
        format: 'cosign-legacy',
        valid: false,
        code: 'UNREADABLE',
        reason: `${tag} holds a ${stored.manifest.mediaType}, not a signature manifest`,
        reference: tag,
      },
    ];
  }
  return stored.layers.map((layer, index) =>
    toSignature(
      underAnyKey(keys, (key) => verifyLegacySignature(layer, { digest, identity }, key, `${tag}#${index}`)),
    ),
  );
};

const bundleSignature = (
  stored: StoredBundle,
  digest: Digest,
  identity: string,
  keys: readonly KeyObject[],
): GateSignature => {
  const reference = `${identity}@${stored.descriptor.digest}`;
  const result = underAnyKey(keys, (key) =>
    verifyBundle(
      stored.bundle,
      { digest, predicateType: COSIGN_SIGN_PREDICATE, format: 'sigstore-bundle' },
      key,
      reference,
    ),
  );
  if (!result.valid) return toSignature(result);
  const names = subjectNames(signedStatement(stored.bundle) ?? {}, digest);
  if (!namesRepository(names, identity)) {
    return {
      format: 'sigstore-bundle',
      valid: false,
      code: 'IDENTITY_MISMATCH',
      reason: `signed for ${names.join(', ')}, not ${identity}`,
      reference,
    };
  }
  return toSignature(result);
};

const unreadableBundle = (
  entry: UnreadableReferrer,
  identity: string,
  listingReference: string,
): GateSignature => ({
  format: 'sigstore-bundle',
  valid: false,
  code: 'UNREADABLE',
  reason: entry.reason,
  reference: entry.descriptor === undefined ? listingReference : `${identity}@${entry.descriptor.digest}`,
});

const toSignature = (result: VerificationResult): GateSignature => ({
  format: result.format === 'cosign-legacy' ? 'cosign-legacy' : 'sigstore-bundle',
  valid: result.valid,
  reason: result.message,
  ...(result.valid ? {} : { code: result.reason }),
  ...(result.reference === undefined ? {} : { reference: result.reference }),
});

const signatureFailure = (signatures: readonly GateSignature[], identity: string, digest: Digest): string => {
  if (signatures.length === 0) {
    return `signature: none found for ${identity}@${digest} (no ${signatureTag(digest)} and no Sigstore bundle referrer)`;
  }
  const refusals = signatures.map((signature) => `${signature.format} ${signature.code ?? 'INVALID'}`);
  return `signature: none of the ${signatures.length} signature(s) is valid for the trusted key (${refusals.join(', ')})`;
};

interface AttestationContext {
  readonly digest: Digest;
  readonly identity: string;
  readonly keys: readonly KeyObject[];
  readonly now: Date;
  readonly maxAgeMs: number;
  readonly maxAge: string;
  readonly required: boolean;
  /** Where the referrers were listed, for unreadable entries that name no referrer of their own. */
  readonly listingReference: string;
}

/** Every vuln attestation is judged; the best one is reported (a fresh APPROVED one wins over the rest). */
const judgeAttestations = (
  candidates: readonly StoredBundle[],
  unreadable: readonly UnreadableReferrer[],
  context: AttestationContext,
): AttestationReport => {
  const base = { required: context.required, maxAge: context.maxAge };
  const unread = unreadable.map((entry): AttestationReport => ({
    ...base,
    valid: false,
    status: 'INVALID',
    reason: `UNREADABLE: ${entry.reason}`,
    reference:
      entry.descriptor === undefined
        ? context.listingReference
        : `${context.identity}@${entry.descriptor.digest}`,
  }));
  const reports = candidates.map((stored): AttestationReport => {
    const reference = `${context.identity}@${stored.descriptor.digest}`;
    const result = underAnyKey(context.keys, (key) =>
      verifyBundle(
        stored.bundle,
        { digest: context.digest, predicateType: COSIGN_VULN_PREDICATE, format: 'vuln-attestation' },
        key,
        reference,
      ),
    );
    if (!result.valid) {
      return {
        ...base,
        valid: false,
        status: 'INVALID',
        reason: `${result.reason}: ${result.message}`,
        reference,
      };
    }
    const statement = signedStatement(stored.bundle) ?? {};
    const names = subjectNames(statement, context.digest);
    if (!namesRepository(names, context.identity)) {
      return {
        ...base,
        valid: false,
        status: 'INVALID',
        reason: `IDENTITY_MISMATCH: attested for ${names.join(', ')}, not ${context.identity}`,
        reference,
      };
    }
    const judged = judgeVulnPredicate(statement.predicate, context.now, context.maxAgeMs);
    return {
      ...base,
      valid: judged.status === 'VALID',
      status: judged.status,
      reason: judged.status === 'EXPIRED' ? `${judged.reason} (${context.maxAge})` : judged.reason,
      ...(judged.verdict === undefined ? {} : { verdict: judged.verdict }),
      ...(judged.scanFinishedOn === undefined ? {} : { scanFinishedOn: judged.scanFinishedOn }),
      reference,
    };
  });
  const best = [...reports, ...unread].sort(
    (a, b) =>
      ATTESTATION_RANK[a.status] - ATTESTATION_RANK[b.status] ||
      timeOf(b.scanFinishedOn) - timeOf(a.scanFinishedOn),
  )[0];
  return (
    best ?? {
      ...base,
      valid: false,
      status: 'MISSING',
      reason: `no ${COSIGN_VULN_PREDICATE} attestation refers to ${context.identity}@${context.digest}`,
    }
  );
};

const timeOf = (iso: string | undefined): number => (iso === undefined ? 0 : Date.parse(iso) || 0);
