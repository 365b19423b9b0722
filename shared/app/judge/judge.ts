import type { Digest } from '../../core/domain/digest';
import { countBySeverity, type Finding } from '../../core/domain/finding';
import type { ImageRecord } from '../../core/domain/image-record';
import { errorVerdict, type ScanSummary, type Verdict } from '../../core/domain/verdict';
import type { ScanFindings } from '../../core/findings/parse';
import {
  aggregateIndex,
  evaluateDetailed,
  isPending,
  reevaluate,
  resolveRules,
  type LoadedPolicy,
} from '../../core/policy';
import { childrenFingerprint, findingsFingerprint } from './fingerprint';
import type { RecordedVerdict, VerdictRecordExtras } from './recorded-verdict';
import { isFailedScanStatus } from './scan-statuses';

/** What is known about the image's scan when it is judged. */
export type ScanObservation =
  /**
   * ECR's scan result. `reported` are findings the triggering event named (an Inspector2 Finding),
   * judged even when DescribeImageScanFindings does not list them yet.
   */
  | { readonly kind: 'scan'; readonly scan: ScanFindings; readonly reported?: readonly Finding[] }
  /** ECR has no scan for the image; `status` is what the triggering event reported, if anything. */
  | { readonly kind: 'no-scan'; readonly status?: string; readonly message: string }
  /** ECR answered with something that is not a scan result. */
  | { readonly kind: 'unreadable'; readonly message: string }
  /** The image is an index: its platform images, with their records where one exists yet. */
  | { readonly kind: 'index'; readonly children: readonly IndexChild[] };

export interface IndexChild {
  readonly digest: Digest;
  readonly record: ImageRecord | undefined;
}

export type WaitReason = 'scan-in-progress' | 'no-scan' | 'children-pending';

export type JudgeDecision =
  /** A verdict to record: new, or different from the recorded one. */
  | { readonly kind: 'decide'; readonly verdict: RecordedVerdict }
  /** The recorded verdict stands: the same findings under the same policy. */
  | { readonly kind: 'unchanged'; readonly verdict: RecordedVerdict }
  /** Nothing to decide yet; a later event or the scan timeout comes back. */
  | { readonly kind: 'wait'; readonly reason: WaitReason; readonly status?: string; readonly message: string }
  /** The image was deleted from ECR: it is no longer judged. */
  | { readonly kind: 'skip'; readonly reason: 'deleted' };

type Wait = Extract<JudgeDecision, { kind: 'wait' }>;

/**
 * The next verdict of one image, from its record and what its scan shows. Pure: the caller reads the
 * record, the findings and the clock. Fail closed throughout: a failed, unreadable or incomplete scan
 * is an ERROR, never an approval, and a scan still running decides nothing.
 */
export const judge = (
  record: ImageRecord,
  observation: ScanObservation,
  policy: LoadedPolicy,
  now: Date,
  options: { readonly reattest?: boolean } = {},
): JudgeDecision => {
  if (record.status === 'DELETED') return { kind: 'skip', reason: 'deleted' };
  const next = nextVerdict(record, observation, policy, now);
  if ('kind' in next) return next;

  const previous = record.status === 'DECIDED' ? (record.verdict as RecordedVerdict | undefined) : undefined;
  if (
    previous?.findingsFingerprint !== undefined &&
    previous.findingsFingerprint === next.findingsFingerprint &&
    previous.policyDigest === next.policyDigest
  ) {
    // The same approval from a newer scan: decided again when asked, so the attestation the signer writes from it
    // carries the newer scan's times (the sweep's re-attestation, docs/reconcile.md).
    if (options.reattest === true && reattests(previous, next)) {
      return { kind: 'decide', verdict: { ...reevaluate(previous, next), ...extras(next) } };
    }
    return { kind: 'unchanged', verdict: previous };
  }
  // An approval now refused becomes REVOKED, so its signatures are dealt with (revocation setting).
  return { kind: 'decide', verdict: { ...reevaluate(previous, next), ...extras(next) } };
};

const nextVerdict = (
  record: ImageRecord,
  observation: ScanObservation,
  policy: LoadedPolicy,
  now: Date,
): RecordedVerdict | Wait => {
  switch (observation.kind) {
    case 'scan':
      return judgeScan(record, observation.scan, observation.reported ?? [], policy, now);
    case 'no-scan':
      if (observation.status !== undefined && isFailedScanStatus(observation.status)) {
        return failedScan(record, observation.status, observation.message, undefined, policy, now);
      }
      return {
        kind: 'wait',
        reason: 'no-scan',
        ...(observation.status === undefined ? {} : { status: observation.status }),
        message: observation.message,
      };
    case 'unreadable':
      return {
        ...errorVerdict(record.image, 'MALFORMED_INPUT', observation.message, now.toISOString(), {
          mode: modeOf(record, policy),
          policyDigest: policy.digest,
        }),
        // The same unreadable answer twice is one decision, not two alerts.
        findingsFingerprint: findingsFingerprint(`unreadable: ${observation.message}`, []),
      };
    case 'index':
      return judgeIndex(record, observation.children, now);
  }
};

const judgeScan = (
  record: ImageRecord,
  scan: ScanFindings,
  reported: readonly Finding[],
  policy: LoadedPolicy,
  now: Date,
): RecordedVerdict | Wait => {
  const { status } = scan.scan;
  if (isFailedScanStatus(status)) {
    return failedScan(record, status, scan.statusDescription, scan.scan, policy, now);
  }
  if (!resolveRules(policy.policy, record.image.repository).completeStatuses.includes(status)) {
    return {
      kind: 'wait',
      reason: 'scan-in-progress',
      status,
      message: `scan status ${status}: the findings are not final yet`,
    };
  }
  if (scan.truncated) {
    // Judging part of the findings could approve an image whose blocking finding was on the missing page.
    return errorVerdict(
      record.image,
      'MALFORMED_INPUT',
      'the scan findings are incomplete: the last page still names a next page',
      now.toISOString(),
      { mode: modeOf(record, policy), scan: scan.scan, policyDigest: policy.digest },
    );
  }
  const findings = withReported(scan.findings, reported);
  const evaluation = evaluateDetailed({
    findings,
    policy,
    image: record.image,
    now,
    scan: { ...scan.scan, severityCounts: countBySeverity(findings) },
  });
  return {
    ...evaluation.verdict,
    findingsFingerprint: findingsFingerprint(status, findings),
    ...(evaluation.staleExceptions.length === 0 ? {} : { staleExceptions: evaluation.staleExceptions }),
    ...(evaluation.expiredExceptions.length === 0 ? {} : { expiredExceptions: evaluation.expiredExceptions }),
  };
};

const failedScan = (
  record: ImageRecord,
  status: string,
  description: string | undefined,
  scan: ScanSummary | undefined,
  policy: LoadedPolicy,
  now: Date,
): RecordedVerdict => ({
  ...errorVerdict(
    record.image,
    'SCAN_FAILED',
    `scan status ${status}${description === undefined || description === '' ? '' : `: ${description}`}`,
    now.toISOString(),
    { mode: modeOf(record, policy), ...(scan === undefined ? {} : { scan }), policyDigest: policy.digest },
  ),
  findingsFingerprint: findingsFingerprint(status, []),
});

const judgeIndex = (
  record: ImageRecord,
  children: readonly IndexChild[],
  now: Date,
): RecordedVerdict | Wait => {
  // A platform image deleted or still pending has no verdict the index can rest on.
  const decided = children.map(({ record: child }) =>
    child?.status === 'DECIDED' ? child.verdict : undefined,
  );
  const aggregated = aggregateIndex(record.image, decided, now);
  if (isPending(aggregated)) {
    return {
      kind: 'wait',
      reason: 'children-pending',
      message: `${aggregated.pending} of ${aggregated.total} platform images are not judged yet`,
    };
  }
  return {
    ...aggregated,
    findingsFingerprint: childrenFingerprint(
      children.map(({ digest }, index) => {
        const verdict = decided[index] as RecordedVerdict | undefined;
        return {
          digest,
          outcome: verdict?.outcome ?? 'PENDING',
          basis: verdict?.findingsFingerprint ?? verdict?.decidedAt ?? '',
        };
      }),
    ),
  };
};

/** Findings the event reported that the scan result does not list (yet) are judged too. */
const withReported = (findings: readonly Finding[], reported: readonly Finding[]): readonly Finding[] => {
  const key = (finding: Finding): string => `${finding.id}\u0000${finding.package?.name ?? ''}`;
  const known = new Set(findings.map(key));
  const missing = reported.filter((finding) => !known.has(key(finding)));
  return missing.length === 0 ? findings : [...findings, ...missing];
};

const modeOf = (record: ImageRecord, policy: LoadedPolicy): Verdict['mode'] =>
  resolveRules(policy.policy, record.image.repository).mode;

const extras = (verdict: RecordedVerdict): VerdictRecordExtras => ({
  ...(verdict.findingsFingerprint === undefined ? {} : { findingsFingerprint: verdict.findingsFingerprint }),
  ...(verdict.staleExceptions === undefined ? {} : { staleExceptions: verdict.staleExceptions }),
  ...(verdict.expiredExceptions === undefined ? {} : { expiredExceptions: verdict.expiredExceptions }),
});

const reattests = (previous: RecordedVerdict, next: RecordedVerdict): boolean => {
  if (previous.outcome !== 'APPROVED' || next.outcome !== 'APPROVED') return false;
  const before = previous.scan.completedAt;
  const after = next.scan.completedAt;
  return after !== undefined && (before === undefined || Date.parse(after) > Date.parse(before));
};
