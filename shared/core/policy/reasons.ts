import type { Finding, SeverityCounts } from '../domain/finding';
import type { AppliedException } from '../domain/verdict';
import type { ExpiredException, StaleException } from './exceptions';
import type { EffectiveRules } from './rules';

/** The rule that made a finding block. A finding is caught by the first, in this order. */
export type BlockingRule = 'severityLimits' | 'maxCvss' | 'blockExploitAvailable';

export interface Blocked {
  readonly finding: Finding;
  readonly rule: BlockingRule;
}

// One line each, for people: stable enough to show, not meant to be parsed (that is what the fields are for).

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

const packageText = (name: string | undefined): string => (name === undefined ? '' : ` (${name})`);

export const blockedLine = (
  { finding, rule }: Blocked,
  rules: EffectiveRules,
  counts: SeverityCounts,
): string => {
  const where =
    finding.package === undefined
      ? ''
      : ` in ${finding.package.name}${finding.package.version === undefined ? '' : ` ${finding.package.version}`}`;
  return `${finding.id} ${finding.severity}${where}: ${ruleText(finding, rule, rules, counts)}`;
};

const ruleText = (
  finding: Finding,
  rule: BlockingRule,
  rules: EffectiveRules,
  counts: SeverityCounts,
): string => {
  switch (rule) {
    case 'severityLimits':
      return `severityLimits.${finding.severity} (${counts[finding.severity] ?? 0} ${finding.severity}, limit ${rules.severityLimits[finding.severity] ?? 0})`;
    case 'maxCvss':
      return `maxCvss (CVSS ${finding.cvss?.score ?? '?'} > ${rules.maxCvss ?? '?'})`;
    case 'blockExploitAvailable':
      return 'blockExploitAvailable (a known exploit is available)';
  }
};

export const moreLine = (listed: number, total: number): string => `… and ${total - listed} more`;

export const appliedLine = (applied: AppliedException): string =>
  `exception ${applied.id}${packageText(applied.package)} waived ${plural(applied.matched, 'finding')} until ${applied.expires}: ${applied.reason}`;

export const expiredLine = (expired: ExpiredException): string =>
  `exception ${expired.id}${packageText(expired.package)} expired on ${expired.expires} and no longer waives ${plural(expired.matched, 'finding')}`;

export const staleLine = (stale: StaleException, repository: string): string =>
  `exception ${stale.id}${packageText(stale.package)} matches no finding in ${repository}${stale.expired ? ` and expired on ${stale.expires}` : ''}: remove it or correct it`;

export const headline = (summary: {
  readonly blockingTotal: number;
  readonly counted: number;
  readonly waived: number;
  readonly ignoredUnfixed: number;
  readonly warn: boolean;
}): string => {
  const tally = `${summary.counted} counted, ${summary.waived} waived by exceptions, ${summary.ignoredUnfixed} unfixed ignored`;
  if (summary.blockingTotal === 0) return `no finding breaks the policy (${tally})`;
  const blocking = `${plural(summary.blockingTotal, 'finding')} break${summary.blockingTotal === 1 ? 's' : ''} the policy`;
  return summary.warn ? `warn mode: ${blocking}; approved anyway (${tally})` : `${blocking} (${tally})`;
};
