import type { Severity, SeverityCounts } from '../domain/finding';
import type { ImageRef } from '../domain/image-ref';
import {
  VERDICT_SCHEMA_VERSION,
  errorVerdict,
  type AppliedException,
  type ErrorVerdict,
  type ScanSummary,
  type Verdict,
} from '../domain/verdict';
import { MAX_BLOCKING_LISTED } from './evaluate';

/** Some platform image of the index has no verdict yet: decide nothing, wait for its scan. */
export interface PendingIndexVerdict {
  readonly outcome: 'PENDING';
  readonly image: ImageRef;
  /** Children without a verdict, and all children. */
  readonly pending: number;
  readonly total: number;
}

export type IndexVerdict = Verdict | PendingIndexVerdict;

type Judged = Exclude<Verdict, ErrorVerdict>;
type Refused = Judged & { readonly outcome: 'REJECTED' | 'REVOKED' };

/**
 * The verdict of an image index (multi-platform image) from the verdicts of its children, `undefined`
 * for a child not judged yet. A refused child refuses the index at once, since no later verdict can
 * change that; an ERROR child comes next, as the index cannot be approved either way; APPROVED only
 * when every child is APPROVED. An index with no children is an ERROR: there is nothing to approve.
 */
export const aggregateIndex = (
  index: ImageRef,
  children: readonly (Verdict | undefined)[],
  now: Date,
): IndexVerdict => {
  const decidedAt = now.toISOString();
  const judged = children.filter((child): child is Verdict => child !== undefined);
  if (children.length === 0) {
    return errorVerdict(index, 'MALFORMED_INPUT', 'the image index lists no images', decidedAt);
  }

  const refused = judged.filter(
    (child): child is Refused => child.outcome === 'REJECTED' || child.outcome === 'REVOKED',
  );
  if (refused.length > 0) return combine(index, 'REJECTED', refused, judged, decidedAt);

  const failed = judged.find((child): child is ErrorVerdict => child.outcome === 'ERROR');
  if (failed !== undefined) {
    return errorVerdict(
      index,
      failed.error.code,
      `image ${failed.image.digest}: ${failed.error.message}`,
      decidedAt,
      {
        mode: failed.mode,
        ...(failed.scan === undefined ? {} : { scan: failed.scan }),
        ...(failed.policyDigest === undefined ? {} : { policyDigest: failed.policyDigest }),
      },
    );
  }

  if (judged.length < children.length) {
    return {
      outcome: 'PENDING',
      image: index,
      pending: children.length - judged.length,
      total: children.length,
    };
  }
  // Neither refused nor failed nor pending: every child is APPROVED.
  return combine(index, 'APPROVED', judged as Judged[], judged, decidedAt);
};

const combine = (
  index: ImageRef,
  outcome: 'APPROVED' | 'REJECTED',
  deciding: readonly Judged[],
  all: readonly Verdict[],
  decidedAt: string,
): Verdict => {
  const first = deciding[0] as Judged;
  const judgedChildren = all.filter((child): child is Judged => child.outcome !== 'ERROR');
  const blocking = deciding.flatMap((child) => child.blocking);
  const policyDigests = new Set(all.map((child) => child.policyDigest));
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    outcome,
    image: index,
    mode: first.mode,
    reasons: [
      `image index: ${deciding.length} of ${all.length} platform images ${outcome === 'APPROVED' ? 'approved' : 'refused'}`,
      ...deciding.map((child) => `image ${child.image.digest}: ${child.outcome}: ${child.reasons[0] ?? ''}`),
    ],
    warnings: [
      ...new Set([
        ...all.flatMap((child) => child.warnings),
        ...(policyDigests.size > 1 ? ['platform images were judged by different policy versions'] : []),
      ]),
    ],
    decidedAt,
    ...(first.policyDigest === undefined ? {} : { policyDigest: first.policyDigest }),
    scan: mergeScans(judgedChildren.map((child) => child.scan)),
    blocking: blocking.slice(0, MAX_BLOCKING_LISTED),
    blockingTotal: deciding.reduce((sum, child) => sum + child.blockingTotal, 0),
    exceptionsApplied: mergeExceptions(judgedChildren.flatMap((child) => child.exceptionsApplied)),
  };
};

const mergeScans = (scans: readonly ScanSummary[]): ScanSummary => {
  const first = scans[0] as ScanSummary;
  const severityCounts: SeverityCounts = {};
  for (const scan of scans) {
    for (const [severity, count] of Object.entries(scan.severityCounts)) {
      severityCounts[severity as Severity] = (severityCounts[severity as Severity] ?? 0) + (count ?? 0);
    }
  }
  const completed = scans
    .flatMap((scan) => (scan.completedAt === undefined ? [] : [scan.completedAt]))
    .sort();
  const latest = completed.at(-1);
  return {
    scanner: first.scanner,
    status: first.status,
    ...(latest === undefined ? {} : { completedAt: latest }),
    severityCounts,
  };
};

const mergeExceptions = (applied: readonly AppliedException[]): AppliedException[] => {
  const merged = new Map<string, AppliedException>();
  for (const exception of applied) {
    const key = `${exception.id}\u0000${exception.package ?? ''}`;
    const seen = merged.get(key);
    merged.set(key, seen === undefined ? exception : { ...seen, matched: seen.matched + exception.matched });
  }
  return [...merged.values()];
};

/** Narrowing helper for callers holding an IndexVerdict. */
export const isPending = (verdict: IndexVerdict): verdict is PendingIndexVerdict =>
  verdict.outcome === 'PENDING';
