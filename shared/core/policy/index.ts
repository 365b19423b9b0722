export {
  policySchema,
  DEFAULT_COMPLETE_STATUSES,
  exceptionSchema,
  repositoryOverrideSchema,
  rulesSchema,
  severityLimitsSchema,
} from './schema';
export type { Policy, PolicyRules, PolicyException, RepositoryOverride, SeverityLimits } from './schema';
export { parsePolicy, type LoadedPolicy } from './parse';
export { resolveRules, type EffectiveRules } from './rules';
export {
  exceptionExpiresAt,
  isExceptionActive,
  exceptionMatches,
  type ExpiredException,
  type StaleException,
} from './exceptions';
export type { BlockingRule } from './reasons';
export {
  evaluate,
  evaluateDetailed,
  blockingRule,
  MAX_BLOCKING_LISTED,
  type EvaluateInput,
  type EvaluatedVerdict,
  type Evaluation,
} from './evaluate';
export { aggregateIndex, isPending, type IndexVerdict, type PendingIndexVerdict } from './aggregate';
export { reevaluate } from './revoke';
