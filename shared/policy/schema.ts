import { z } from 'zod';

const limit = z.number().int().nonnegative();

/** Findings allowed per severity. A severity left out is unlimited. */
export const severityLimitsSchema = z.strictObject({
  CRITICAL: limit.optional(),
  HIGH: limit.optional(),
  MEDIUM: limit.optional(),
  LOW: limit.optional(),
  INFORMATIONAL: limit.optional(),
  UNTRIAGED: limit.optional(),
  UNDEFINED: limit.optional(),
});

/** Scan statuses that mean "the findings are final"; everything else is pending or an error. */
export const DEFAULT_COMPLETE_STATUSES = ['COMPLETE', 'INITIAL_SCAN_COMPLETE', 'ACTIVE'] as const;

const ruleFields = {
  severityLimits: severityLimitsSchema.optional(),
  /** Any finding scored above this blocks. */
  maxCvss: z.number().min(0).max(10).optional(),
  /** true: findings with fixAvailable NO do not count. */
  ignoreUnfixed: z.boolean().optional(),
  blockExploitAvailable: z.boolean().optional(),
  completeStatuses: z.array(z.string().min(1)).min(1).optional(),
};

export const rulesSchema = z.strictObject(ruleFields);

// YAML turns an unquoted 2027-01-31 into a Date under the 1.1 schema and a string under 1.2; take both.
const isoDate = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    ctx.addIssue({ code: 'custom', message: `expected a date YYYY-MM-DD, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return text;
});

export const exceptionSchema = z.strictObject({
  id: z.string().min(1),
  package: z.string().min(1).optional(),
  repositories: z.array(z.string().min(1)).min(1).default(['*']),
  reason: z.string().trim().min(1, { message: 'an exception needs a reason' }),
  /** Last day the exception applies (UTC, inclusive). */
  expires: isoDate,
});

export const repositoryOverrideSchema = z.strictObject({
  match: z.string().min(1),
  mode: z.enum(['enforce', 'warn']).optional(),
  ...ruleFields,
});

export const policySchema = z.strictObject({
  defaults: rulesSchema.default({}),
  exceptions: z.array(exceptionSchema).default([]),
  repositories: z.array(repositoryOverrideSchema).default([]),
});

export type Policy = z.output<typeof policySchema>;
export type PolicyRules = z.output<typeof rulesSchema>;
export type PolicyException = z.output<typeof exceptionSchema>;
export type RepositoryOverride = z.output<typeof repositoryOverrideSchema>;
