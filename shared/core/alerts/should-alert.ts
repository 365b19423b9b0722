import type { AlertVerdict } from './alert-input';

/** The part of `alerts` in tollgate.config.yaml that decides what alerts. */
export interface AlertPolicy {
  readonly verdicts: readonly AlertVerdict[];
  readonly tagViolations: boolean;
  /**
   * A PagerDuty receiver is configured: a plain APPROVED verdict resolves the image's PagerDuty alert, so
   * approvals reach the notifier too (for PagerDuty only, unless `verdicts` lists APPROVED). @default false
   */
  readonly resolveOnApproval?: boolean;
}

/** Whether a verdict that does not alert still goes to PagerDuty, to resolve the image's alert. */
export const verdictResolves = (policy: AlertPolicy, detail: { readonly verdict: AlertVerdict }): boolean =>
  policy.resolveOnApproval === true && detail.verdict === 'APPROVED';

/**
 * Whether a verdict alerts. A warn-mode approval with warnings is a rejection the policy chose not
 * to enforce yet, so it alerts whenever REJECTED does: teams see what enforcing would block.
 */
export const verdictAlerts = (
  policy: AlertPolicy,
  detail: {
    readonly verdict: AlertVerdict;
    readonly mode?: string | undefined;
    readonly warnings?: readonly string[] | undefined;
  },
): boolean =>
  policy.verdicts.includes(detail.verdict) ||
  (detail.verdict === 'APPROVED' &&
    detail.mode === 'warn' &&
    (detail.warnings?.length ?? 0) > 0 &&
    policy.verdicts.includes('REJECTED'));

/**
 * The `detail` patterns of the EventBridge rule that feeds the notifier, the same decision as
 * {@link verdictAlerts} as far as a pattern can tell (it cannot see whether `warnings` is empty, so
 * the notifier checks again). Empty when no verdict alerts. With {@link AlertPolicy.resolveOnApproval}, every
 * APPROVED verdict is matched too.
 */
export const verdictAlertPatterns = (policy: AlertPolicy): Record<string, unknown>[] => {
  const patterns: Record<string, unknown>[] = [];
  const verdicts = new Set(policy.verdicts);
  // Every approval, for PagerDuty to resolve (warn-mode ones included: the pattern below is then not needed).
  if (policy.resolveOnApproval === true) verdicts.add('APPROVED');
  if (verdicts.size > 0) patterns.push({ verdict: [...verdicts].sort() });
  if (policy.verdicts.includes('REJECTED') && !verdicts.has('APPROVED')) {
    patterns.push({ verdict: ['APPROVED'], mode: ['warn'] });
  }
  return patterns;
};
