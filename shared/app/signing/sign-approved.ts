import type { Digest } from '../../core/domain/digest';
import type { ImageScope } from '../../core/domain/image-scope';
import { ConcurrentUpdateError, TerminalError } from '../../core/domain/errors';
import type { ImageRecord } from '../../core/domain/image-record';
import { imageKey, imageKeyParts, type ImageRef } from '../../core/domain/image-ref';
import {
  errorVerdict,
  type ApprovedVerdict,
  type SignatureRef,
  type VerdictErrorCode,
} from '../../core/domain/verdict';
import { verdictEvent } from '../../core/events/verdict-event';
import type { PublicationSettings } from '../judge/publications';
import { announcePending, recordVerdict, type RecordVerdictDeps } from '../judge/record-verdict';
import type { EventPublisher } from '../ports/event-publisher';
import type { ImageKeyParts, VerdictStore } from '../ports/verdict-store';
import type { SignatureFormat } from '../../core/verify/result';
import type { SigningDeps } from './deps';
import { SigningRefusedError } from './errors';
import { removeOwnSignatures, type RemovedSignatures } from './remove-own-signatures';
import { signable } from './signable';
import { signImage } from './sign-image';

export interface SignApprovedDeps {
  readonly store: VerdictStore;
  readonly publisher: EventPublisher;
  /** Bound to the registry host ECR itself reports, never to a host an event names. */
  readonly signing: SigningDeps;
  /** `signatures.formats` of the config. */
  readonly formats: readonly SignatureFormat[];
  /** `revocation` of the config, for announcing a pending REVOKED verdict. @default 'alert' */
  readonly revocation?: PublicationSettings['revocation'];
  /** @default the system clock */
  readonly now?: () => Date;
  /**
   * The deployed policy's digest. An approval recorded under another policy is not signed as it stands: it is
   * judged again first (`rejudge`). @default undefined: the policy is not checked (unit tests of signing alone)
   */
  readonly policyDigest?: string;
  /**
   * Judges the image again with the deployed policy (its platform images first, for an index), recording and
   * announcing the new verdict as every judge does. Required with `policyDigest`.
   */
  readonly rejudge?: (
    image: ImageKeyParts & { readonly children: readonly Digest[] },
    because: string,
  ) => Promise<string>;
  /**
   * How long a request holds the right to sign a decision: longer than one signing takes (the function's
   * timeout), so a second announcement of the same decision, handled at the same time, signs nothing.
   * @default 3 minutes (the sign function's default timeout)
   */
  readonly signingLeaseMs?: number;
}

/** What the signer is asked: an image by digest, and the registry the requester believes it lives in. */
export interface SigningRequest extends Omit<ImageKeyParts, 'scope'> {
  readonly registry: string;
  /** A spoke's image: its account and region (absent for the hub's own). */
  readonly scope?: ImageScope | undefined;
  readonly correlationId?: string | undefined;
  /**
   * The request's own id (the Signing Requested event's): with it, only one request at a time signs a decision.
   * @default none: no lease is taken (callers that are the only signer, such as tests of signing alone)
   */
  readonly requestId?: string | undefined;
}

export type SignApprovedOutcome =
  /** Signed in every configured format, recorded, and the APPROVED verdict published with the references. */
  | {
      readonly kind: 'signed';
      readonly signatures: readonly SignatureRef[];
      /** Formats the registry refused for an index (its platform images signed all the same). */
      readonly refusals?: readonly string[];
    }
  /** Nothing was signed: the record does not (or no longer does) allow it, or the registry disagrees. */
  | { readonly kind: 'refused'; readonly reason: string }
  /**
   * Another request is signing this very decision right now (two judges announced it): this one signs nothing,
   * and the other records and publishes. Should that one fail, Lambda retries its own event.
   */
  | { readonly kind: 'duplicate'; readonly reason: string }
  /**
   * The approval was recorded under another policy than the one deployed: the image was judged again instead of
   * signed. The judge recorded and announced the new verdict (`verdict`); an APPROVED one asks for signing anew.
   */
  | { readonly kind: 'rejudged'; readonly verdict: string; readonly reason: string }
  /**
   * Signing failed for a reason no retry changes (the registry served bytes that do not match the digest, a
   * signature tag cannot be written, access is denied). The APPROVED verdict became ERROR with the reason, and
   * that verdict was published, so the failure alerts instead of waiting silently in the dead-letter queue.
   */
  | { readonly kind: 'failed'; readonly code: VerdictErrorCode; readonly reason: string }
  /**
   * The verdict changed while we signed. What we wrote then was never recorded nor announced, so it is taken
   * off again (`removed`); signatures recorded before stay for the revocation to handle, as configured.
   */
  | {
      readonly kind: 'revoked-while-signing';
      readonly reason: string;
      readonly removed: RemovedSignatures | undefined;
    };

type ApprovedRecord = ImageRecord & { readonly verdict: ApprovedVerdict };

/** The record stopped allowing signing between two digests of one request. */
class NoLongerApprovedError extends SigningRefusedError {}

/** An entry of the index has no APPROVED verdict of its own, under the deployed policy: never judged as itself. */
class UnjudgedEntryError extends SigningRefusedError {}

/**
 * Signs an image the judge approved, records the signature references, then publishes the APPROVED verdict
 * with them. The request only names the image: the record is read again here, and again before each digest of
 * an index, so a request that went stale (revoked, rejected, deleted since) signs nothing. Idempotent: a
 * duplicate request finds our signatures in place, adds none, and publishes the verdict again (at least once).
 */
export const signApproved = async (
  deps: SignApprovedDeps,
  request: SigningRequest,
): Promise<SignApprovedOutcome> => {
  const key: ImageKeyParts = imageKeyParts(request);
  const record = await deps.store.get(key);
  const first = signable(record, imageKey(key));
  if (!first.ok) {
    // A verdict recorded but never announced (ours, after a failure, or anyone's): announce it now.
    await announcePending(recording(deps), record);
    return { kind: 'refused', reason: first.reason };
  }
  const mismatch = registryMismatch(request, first.record.image, deps.signing.registry.host);
  if (mismatch !== undefined) return { kind: 'refused', reason: mismatch };

  if (deps.policyDigest !== undefined && first.record.verdict.policyDigest !== deps.policyDigest) {
    return rejudge(deps, first.record, request);
  }

  const holder = request.requestId;
  if (holder !== undefined) {
    const now = deps.now?.() ?? new Date();
    const held = await deps.store.claimSigning(key, {
      decidedAt: first.record.verdict.decidedAt,
      holder,
      now: now.toISOString(),
      until: new Date(now.getTime() + (deps.signingLeaseMs ?? DEFAULT_SIGNING_LEASE_MS)).toISOString(),
    });
    if (!held) {
      return { kind: 'duplicate', reason: 'another request is signing this decision (its lease is live)' };
    }
  }
  try {
    return await signClaimed(deps, request, key, first.record);
  } finally {
    // Given back whatever happened: a later request (a retry, the sweep) must find the decision free to sign.
    if (holder !== undefined) await deps.store.releaseSigning(key, holder);
  }
};

const DEFAULT_SIGNING_LEASE_MS = 3 * 60_000;

const signClaimed = async (
  deps: SignApprovedDeps,
  request: SigningRequest,
  key: ImageKeyParts,
  approved: ApprovedRecord,
): Promise<SignApprovedOutcome> => {
  let latest: ApprovedRecord = approved;
  const beforeSign = async (target: ImageRef): Promise<void> => {
    if (target.digest === key.digest) {
      const index = signable(await deps.store.get(key), imageKey(key), deps.policyDigest);
      if (!index.ok) throw new NoLongerApprovedError(index.reason);
      latest = index.record;
      return;
    }
    // Every other digest (an entry of the index) is signed on its own record's word alone, read now.
    const entryKey = { ...key, digest: target.digest };
    const entry = await deps.store.get(entryKey);
    const allowed = signable(entry, `index entry ${target.digest}`, deps.policyDigest);
    if (allowed.ok) return;
    // Refused since (a verdict of its own that is no longer APPROVED): its index is judged again by the judge.
    if (entry?.status === 'DECIDED' && entry.verdict?.outcome !== 'APPROVED')
      throw new NoLongerApprovedError(allowed.reason);
    throw new UnjudgedEntryError(
      `${allowed.reason}: an index is signed only when every entry a runtime can pull is APPROVED on its own record`,
    );
  };

  let signatures: SignatureRef[];
  const refusals: string[] = [];
  try {
    signatures = await signImage(
      { ...deps.signing, beforeSign, onIndexRefusal: (note) => refusals.push(note) },
      latest.image,
      latest.verdict,
      deps.formats,
    );
  } catch (error) {
    if (error instanceof NoLongerApprovedError) return revokedWhileSigning(deps, key, error.message);
    if (error instanceof UnjudgedEntryError) {
      return signingFailed(deps, key, latest, error, request.correlationId, 'UNJUDGED_ENTRY');
    }
    if (error instanceof TerminalError) return signingFailed(deps, key, latest, error, request.correlationId);
    throw error;
  }

  const saved = await recordSignatures(deps.store, key, latest, signatures);
  if (!saved.ok) return revokedWhileSigning(deps, key, saved.reason);
  const correlationId = saved.record.correlationId ?? request.correlationId;
  // What the registry would not take for an index is said in the verdict every consumer reads.
  const verdict =
    refusals.length === 0
      ? saved.record.verdict
      : { ...saved.record.verdict, warnings: [...saved.record.verdict.warnings, ...refusals] };
  await deps.publisher.publish([
    verdictEvent({
      record: saved.record,
      verdict,
      signatures,
      ...(correlationId === undefined ? {} : { correlationId }),
    }),
  ]);
  return { kind: 'signed', signatures, ...(refusals.length === 0 ? {} : { refusals }) };
};

/**
 * The record's approval was decided under a policy that is no longer deployed. Signing it would vouch for rules
 * that no longer apply, so the judge decides again; whatever it decides it records and announces (an APPROVED
 * verdict asks for signing anew, this time under the deployed digest). Nothing is signed here.
 */
const rejudge = async (
  deps: SignApprovedDeps,
  record: ApprovedRecord,
  request: SigningRequest,
): Promise<SignApprovedOutcome> => {
  const reason = `approved under policy ${record.verdict.policyDigest ?? '(none recorded)'}, but the deployed policy is ${deps.policyDigest ?? ''}: judged again before signing`;
  if (deps.rejudge === undefined) return { kind: 'refused', reason };
  const verdict = await deps.rejudge({ ...imageKeyParts(request), children: record.children ?? [] }, reason);
  return { kind: 'rejudged', verdict, reason };
};

// The signer records only ERROR verdicts and announces only pending ones: the settings decide nothing there
// but whether APPROVED would ask for signing, so the configured formats are all it needs.
const recording = (deps: SignApprovedDeps): RecordVerdictDeps => ({
  store: deps.store,
  publisher: deps.publisher,
  settings: { signatures: { formats: [...deps.formats] }, revocation: deps.revocation ?? 'alert' },
});

const registryMismatch = (request: SigningRequest, image: ImageRef, host: string): string | undefined => {
  if (request.registry !== image.registry) {
    return `the request names registry ${request.registry}, the record ${image.registry}`;
  }
  // The host goes into every signed payload: signing under a name the image is not served at helps nobody.
  if (host !== image.registry) return `the record names registry ${image.registry}, but ECR serves ${host}`;
  return undefined;
};

type Recorded =
  { readonly ok: true; readonly record: ApprovedRecord } | { readonly ok: false; readonly reason: string };

/**
 * Conditional write of the references. A lost race (a second tag recorded, a re-judgement) is re-read and
 * written once more while the record still allows signing; a second loss is thrown (retryable), and the retry
 * signs nothing new.
 */
const recordSignatures = async (
  store: VerdictStore,
  key: ImageKeyParts,
  latest: ApprovedRecord,
  signatures: readonly SignatureRef[],
): Promise<Recorded> => {
  if (sameSignatures(latest.signatures, signatures)) return { ok: true, record: latest };
  try {
    const saved = await store.saveSignatures(key, signatures, latest.version);
    return { ok: true, record: { ...saved, verdict: latest.verdict } };
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  }
  const current = signable(await store.get(key), imageKey(key));
  if (!current.ok) return current;
  if (sameSignatures(current.record.signatures, signatures)) return current;
  const saved = await store.saveSignatures(key, signatures, current.record.version);
  return { ok: true, record: { ...saved, verdict: current.record.verdict } };
};

const sameSignatures = (
  recorded: readonly SignatureRef[] | undefined,
  signatures: readonly SignatureRef[],
): boolean =>
  recorded !== undefined &&
  recorded.length === signatures.length &&
  recorded.every(
    (ref, index) =>
      ref.format === signatures[index]?.format && ref.reference === signatures[index]?.reference,
  );

const signingFailed = async (
  deps: SignApprovedDeps,
  key: ImageKeyParts,
  latest: ApprovedRecord,
  error: TerminalError,
  requestCorrelationId: string | undefined,
  verdictCode?: VerdictErrorCode,
): Promise<SignApprovedOutcome> => {
  const code: VerdictErrorCode =
    verdictCode ?? (error.code === 'REGISTRY_INTEGRITY' ? 'REGISTRY_INTEGRITY' : 'SIGNING_FAILED');
  // An image whose verdict is ERROR must carry none of our signatures, even one format that went through. If
  // the registry refuses that too, the verdict says so rather than the failure being lost.
  let reason = error.message;
  try {
    await removeOwnSignatures(deps.signing, key, { children: latest.children ?? [] });
  } catch (removal) {
    if (!(removal instanceof TerminalError)) throw removal;
    reason = `${reason}; removing any signature written before the failure also failed: ${removal.message}`;
  }
  const verdict = errorVerdict(latest.image, code, reason, (deps.now?.() ?? new Date()).toISOString(), {
    mode: latest.verdict.mode,
    ...(latest.verdict.scan === undefined ? {} : { scan: latest.verdict.scan }),
    ...(latest.verdict.policyDigest === undefined ? {} : { policyDigest: latest.verdict.policyDigest }),
  });
  const correlationId = latest.correlationId ?? requestCorrelationId;
  // Recorded as every decision is (save, publish, clear the announcement). A crash after the save leaves the
  // announcement pending; the retry finds an ERROR it may not sign and completes the announcement instead.
  try {
    await recordVerdict(recording(deps), latest, verdict, correlationId);
  } catch (failure) {
    if (!(failure instanceof ConcurrentUpdateError)) throw failure;
    // Re-judged or revoked meanwhile: that decision's own writer announces it. Still the approval we could not
    // sign (a tag recorded in between): thrown, so the retry records the failure. Returning would leave an approval
    // announced once, never signed, and never published as a verdict.
    const current = await deps.store.get(key);
    if (current?.verdict?.outcome === 'APPROVED' && current.verdict.decidedAt === latest.verdict.decidedAt)
      throw failure;
  }
  return { kind: 'failed', code, reason };
};

const revokedWhileSigning = async (
  deps: SignApprovedDeps,
  key: ImageKeyParts,
  reason: string,
): Promise<SignApprovedOutcome> => {
  const current = await deps.store.get(key);
  if ((current?.signatures ?? []).length > 0)
    return { kind: 'revoked-while-signing', reason, removed: undefined };
  const removed = await removeOwnSignatures(deps.signing, key, { children: current?.children ?? [] });
  return { kind: 'revoked-while-signing', reason, removed };
};
