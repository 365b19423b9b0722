import {
  SEVERITIES,
  countBySeverity,
  type Finding,
  type Severity,
  type SeverityCounts,
} from '../domain/finding';
import type { ImageRef } from '../domain/image-ref';
import {
  VERDICT_SCHEMA_VERSION,
  errorVerdict,
  type ApprovedVerdict,
  type BlockingFinding,
  type ErrorVerdict,
  type RejectedVerdict,
  type ScanSummary,
} from '../domain/verdict';
import { ExceptionLedger, type ExpiredException, type StaleException } from './exceptions';
import type { LoadedPolicy } from './parse';
import {
  appliedLine,
  blockedLine,
  expiredLine,
  headline,
  moreLine,
  staleLine,
  type Blocked,
  type BlockingRule,
} from './reasons';
import { resolveRules, type EffectiveRules } from './rules';

/** Verdicts stay small enough for an EventBridge event whatever the image: the total is always exact. */
export const MAX_BLOCKING_LISTED = 50;

export interface EvaluateInput {
  readonly findings: readonly Finding[];
  readonly policy: LoadedPolicy;
  readonly image: ImageRef;
  /** The clock, passed in so a verdict can be reproduced; exceptions expire against it. */
  readonly now: Date;
  readonly scan: ScanSummary;
}

/** What judging one image can yield: REVOKED needs a previous verdict (see `reevaluate`). */
export type EvaluatedVerdict = ApprovedVerdict | RejectedVerdict | ErrorVerdict;

/** The verdict and what the verdict shape has no field for yet. */
export interface Evaluation {
  readonly verdict: EvaluatedVerdict;
  readonly rules: EffectiveRules;
  readonly staleExceptions: readonly StaleException[];
  readonly expiredExceptions: readonly ExpiredException[];
}

/** Judges one image's findings against the policy. Pure: the same input always gives the same verdict. */
export const evaluate = (input: EvaluateInput): EvaluatedVerdict => evaluateDetailed(input).verdict;

export const evaluateDetailed = ({ findings, policy, image, now, scan }: EvaluateInput): Evaluation => {
  const rules = resolveRules(policy.policy, image.repository);
  const decidedAt = now.toISOString();

  // Fail closed: findings of a scan that is pending, failed or expired say nothing about the image.
  if (!rules.completeStatuses.includes(scan.status)) {
    const message = `scan status ${scan.status} is not one of ${rules.completeStatuses.join(', ')}: the findings are not final`;
    return {
      verdict: errorVerdict(image, 'SCAN_FAILED', message, decidedAt, {
        mode: rules.mode,
        scan,
        policyDigest: policy.digest,
      }),
      rules,
      staleExceptions: [],
      expiredExceptions: [],
    };
  }

  const ledger = new ExceptionLedger(policy.policy.exceptions, image.repository, now);
  const counted: Finding[] = [];
  let waived = 0;
  let ignoredUnfixed = 0;
  for (const finding of findings) {
    if (ledger.waives(finding)) waived += 1;
    // PARTIAL counts: some affected package still has no fix, but the finding can be reduced.
    else if (rules.ignoreUnfixed && finding.fixAvailable === 'NO') ignoredUnfixed += 1;
    else counted.push(finding);
  }

  const counts = countBySeverity(counted);
  const blocked = blockedBySeverity(counted, rules, counts);
  const listed = blocked.slice(0, MAX_BLOCKING_LISTED);
  const blockingTotal = blocked.length;
  const applied = ledger.applied();
  const expired = ledger.expired();
  const stale = ledger.stale();

  const warn = rules.mode === 'warn';
  const violationLines = listed.map((entry) => blockedLine(entry, rules, counts));
  if (blockingTotal > listed.length) violationLines.push(moreLine(listed.length, blockingTotal));
  const expiredLines = expired.map(expiredLine);
  const reasons = [
    headline({ blockingTotal, counted: counted.length, waived, ignoredUnfixed, warn }),
    ...(warn ? [] : violationLines),
    ...applied.map(appliedLine),
    ...expiredLines,
  ];
  const warnings = [
    ...(warn ? violationLines : []),
    ...expiredLines,
    ...stale.map((entry) => staleLine(entry, image.repository)),
  ];

  const verdict = {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    image,
    mode: rules.mode,
    reasons,
    warnings,
    decidedAt,
    policyDigest: policy.digest,
    scan,
    blocking: listed.map(toBlockingFinding),
    blockingTotal,
    exceptionsApplied: applied,
  };
  return {
    verdict:
      blockingTotal > 0 && !warn ? { ...verdict, outcome: 'REJECTED' } : { ...verdict, outcome: 'APPROVED' },
    rules,
    staleExceptions: stale,
    expiredExceptions: expired,
  };
};

/** The rule that catches a finding, checked in a fixed order so each finding blocks once. */
export const blockingRule = (
  finding: Finding,
  rules: EffectiveRules,
  counts: SeverityCounts,
): BlockingRule | undefined => {
  const limit = rules.severityLimits[finding.severity];
  if (limit !== undefined && (counts[finding.severity] ?? 0) > limit) return 'severityLimits';
  // No score is not a low score: an unscored finding is left to the severity limits.
  if (rules.maxCvss !== undefined && finding.cvss !== undefined && finding.cvss.score > rules.maxCvss)
    return 'maxCvss';
  if (rules.blockExploitAvailable && finding.exploitAvailable === 'YES') return 'blockExploitAvailable';
  return undefined;
};

// Most severe first, so the capped list shows what matters; scanner order within a severity keeps it stable.
const blockedBySeverity = (
  findings: readonly Finding[],
  rules: EffectiveRules,
  counts: SeverityCounts,
): Blocked[] => {
  const buckets = new Map<Severity, Blocked[]>();
  for (const finding of findings) {
    const rule = blockingRule(finding, rules, counts);
    if (rule === undefined) continue;
    const bucket = buckets.get(finding.severity);
    if (bucket === undefined) buckets.set(finding.severity, [{ finding, rule }]);
    else bucket.push({ finding, rule });
  }
  return SEVERITIES.flatMap((severity) => buckets.get(severity) ?? []);
};

const toBlockingFinding = ({ finding, rule }: Blocked): BlockingFinding => ({
  id: finding.id,
  severity: finding.severity,
  ...(finding.package === undefined ? {} : { package: finding.package.name }),
  rule: rule === 'severityLimits' ? `severityLimits.${finding.severity}` : rule,
});
