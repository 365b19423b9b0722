import type { AlertVerdict } from './alert-input';

/** The part of `alerts` in tollgate.config.yaml that decides what alerts. */
export interface AlertPolicy {
  readonly verdicts: readonly AlertVerdict[];
  readonly tagViolations: boolean;
}

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
 * the notifier checks again). Empty when no verdict alerts.
 */
export const verdictAlertPatterns = (policy: AlertPolicy): Record<string, unknown>[] => {
  const patterns: Record<string, unknown>[] = [];
  if (policy.verdicts.length > 0) patterns.push({ verdict: [...new Set(policy.verdicts)].sort() });
  if (policy.verdicts.includes('REJECTED') && !policy.verdicts.includes('APPROVED')) {
    patterns.push({ verdict: ['APPROVED'], mode: ['warn'] });
  }
  return patterns;
};
