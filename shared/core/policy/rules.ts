import type { Severity } from '../domain/finding';
import { matchesGlob } from '../domain/glob';
import type { PolicyMode } from '../domain/verdict';
import { DEFAULT_COMPLETE_STATUSES, type Policy, type PolicyRules } from './schema';

/** The rules one repository is judged by, after `defaults` and every matching override are merged. */
export interface EffectiveRules {
  readonly mode: PolicyMode;
  readonly severityLimits: Readonly<Partial<Record<Severity, number>>>;
  readonly maxCvss?: number;
  readonly ignoreUnfixed: boolean;
  readonly blockExploitAvailable: boolean;
  readonly completeStatuses: readonly string[];
  /** The `match` patterns of the `repositories[]` entries that applied, in policy order. */
  readonly overrides: readonly string[];
}

/**
 * Later entries override earlier ones field by field, and `severityLimits` key by key, so a broad
 * entry (`*`) can come first and narrow ones refine it. An override can tighten or loosen a value,
 * but not remove one: to lift `maxCvss`, set it to 10.
 */
export const resolveRules = (policy: Policy, repository: string): EffectiveRules => {
  const matching = policy.repositories.filter((entry) => matchesGlob(entry.match, repository));
  let mode: PolicyMode = 'enforce';
  let merged: MergedRules = mergeRules({ severityLimits: {} }, policy.defaults);
  for (const entry of matching) {
    if (entry.mode !== undefined) mode = entry.mode;
    merged = mergeRules(merged, entry);
  }
  return {
    mode,
    severityLimits: merged.severityLimits,
    ...(merged.maxCvss === undefined ? {} : { maxCvss: merged.maxCvss }),
    ignoreUnfixed: merged.ignoreUnfixed ?? false,
    blockExploitAvailable: merged.blockExploitAvailable ?? false,
    completeStatuses: merged.completeStatuses ?? DEFAULT_COMPLETE_STATUSES,
    overrides: matching.map((entry) => entry.match),
  };
};

interface MergedRules {
  readonly severityLimits: Partial<Record<Severity, number>>;
  readonly maxCvss?: number;
  readonly ignoreUnfixed?: boolean;
  readonly blockExploitAvailable?: boolean;
  readonly completeStatuses?: readonly string[];
}

const mergeRules = (base: MergedRules, next: PolicyRules): MergedRules => {
  const severityLimits = { ...base.severityLimits };
  for (const [severity, limit] of Object.entries(next.severityLimits ?? {})) {
    if (limit !== undefined) severityLimits[severity as Severity] = limit;
  }
  const maxCvss = next.maxCvss ?? base.maxCvss;
  const ignoreUnfixed = next.ignoreUnfixed ?? base.ignoreUnfixed;
  const blockExploitAvailable = next.blockExploitAvailable ?? base.blockExploitAvailable;
  const completeStatuses = next.completeStatuses ?? base.completeStatuses;
  return {
    severityLimits,
    ...(maxCvss === undefined ? {} : { maxCvss }),
    ...(ignoreUnfixed === undefined ? {} : { ignoreUnfixed }),
    ...(blockExploitAvailable === undefined ? {} : { blockExploitAvailable }),
    ...(completeStatuses === undefined ? {} : { completeStatuses }),
  };
};
