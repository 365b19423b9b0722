import type { ImageRecord } from '../../core/domain/image-record';
import { mayBeSigned, type ApprovedVerdict } from '../../core/domain/verdict';

export type Signable =
  | { readonly ok: true; readonly record: ImageRecord & { readonly verdict: ApprovedVerdict } }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether a record, as read just now, allows signing its digest: it exists, is DECIDED, and its verdict is
 * APPROVED (a REVOKED verdict replaces the APPROVED one, so "not since revoked" is the same test). Anything
 * else, including a record we cannot make sense of, refuses: the gate fails closed.
 */
export const signable = (
  record: ImageRecord | undefined,
  what: string,
  /** When given, the verdict must have been decided under this policy digest (the deployed one). */
  policyDigest?: string,
): Signable => {
  if (record === undefined) return { ok: false, reason: `${what} has no record` };
  if (record.status !== 'DECIDED') return { ok: false, reason: `${what} is ${record.status}, not DECIDED` };
  const verdict = record.verdict;
  if (verdict === undefined) return { ok: false, reason: `${what} is DECIDED without a verdict` };
  if (!mayBeSigned(verdict)) return { ok: false, reason: `${what} is ${verdict.outcome}, not APPROVED` };
  if (verdict.image.digest !== record.image.digest || verdict.image.repository !== record.image.repository) {
    return { ok: false, reason: `${what} holds a verdict for another image` };
  }
  if (policyDigest !== undefined && verdict.policyDigest !== policyDigest) {
    return {
      ok: false,
      reason: `${what} was approved under policy ${verdict.policyDigest ?? '(none recorded)'}, not the deployed ${policyDigest}`,
    };
  }
  return { ok: true, record: { ...record, verdict } };
};
