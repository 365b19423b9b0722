import type { AttestationStatus } from './result';

/** What one verified vulnerability predicate says about the image's scan. */
export interface PredicateJudgement {
  readonly status: Exclude<AttestationStatus, 'MISSING' | 'INVALID'> | 'INVALID';
  readonly reason: string;
  readonly verdict?: string;
  readonly scanFinishedOn?: string;
  /** Milliseconds since the scan finished, when known. */
  readonly ageMs?: number;
}

// A scan reported a little in the future is clock skew between KMS-side signing and this machine; much more is a lie.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Judges the predicate of a vulnerability attestation whose signature and statement already verified: Tollgate's
 * verdict must be APPROVED and the scan must have finished within `maxAgeMs` of `now`.
 */
export const judgeVulnPredicate = (predicate: unknown, now: Date, maxAgeMs: number): PredicateJudgement => {
  const record = asRecord(predicate);
  const verdict = asRecord(asRecord(record?.scanner)?.result)?.verdict;
  const finished = asRecord(record?.metadata)?.scanFinishedOn;
  if (typeof verdict !== 'string') return { status: 'INVALID', reason: 'the predicate records no verdict' };
  if (typeof finished !== 'string' || !RFC3339.test(finished) || Number.isNaN(Date.parse(finished))) {
    return { status: 'INVALID', reason: 'the predicate has no RFC 3339 metadata.scanFinishedOn', verdict };
  }
  const ageMs = now.getTime() - Date.parse(finished);
  const known = { verdict, scanFinishedOn: finished, ageMs };
  if (verdict !== 'APPROVED') {
    return { status: 'NOT_APPROVED', reason: `the attested verdict is ${verdict}, not APPROVED`, ...known };
  }
  if (ageMs < -CLOCK_SKEW_MS) {
    return { status: 'INVALID', reason: `scanFinishedOn ${finished} is in the future`, ...known };
  }
  if (ageMs > maxAgeMs) {
    return {
      status: 'EXPIRED',
      reason: `the scan finished ${finished}, ${describeAge(ageMs)} ago, longer ago than the maximum age`,
      ...known,
    };
  }
  return {
    status: 'VALID',
    reason: `APPROVED, scan finished ${finished} (${describeAge(Math.max(ageMs, 0))} ago)`,
    ...known,
  };
};

/** Lower is better: the status reported when several attestations disagree. */
export const ATTESTATION_RANK: Readonly<Record<AttestationStatus, number>> = {
  VALID: 0,
  EXPIRED: 1,
  NOT_APPROVED: 2,
  INVALID: 3,
  MISSING: 4,
};

const describeAge = (ms: number): string => {
  const hours = ms / 3_600_000;
  if (hours >= 48) return `${Math.floor(hours / 24)}d`;
  if (hours >= 1) return `${Math.floor(hours)}h`;
  return `${Math.floor(ms / 60_000)}m`;
};

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
