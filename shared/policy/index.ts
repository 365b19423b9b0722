export { policySchema, DEFAULT_COMPLETE_STATUSES } from './schema';
export type { Policy, PolicyRules, PolicyException, RepositoryOverride } from './schema';
export { parsePolicy, type LoadedPolicy } from './parse';
