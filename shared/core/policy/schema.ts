import * as z from 'zod';

const limit = z.number().int().nonnegative();

/** Findings allowed per severity. A severity left out is unlimited. */
export const severityLimitsSchema = z
  .strictObject({
    CRITICAL: limit.optional(),
    HIGH: limit.optional(),
    MEDIUM: limit.optional(),
    LOW: limit.optional(),
    INFORMATIONAL: limit.optional(),
    UNTRIAGED: limit.optional(),
    UNDEFINED: limit.optional(),
  })
  .meta({
    description:
      'Most findings allowed per severity; one more and every finding of that severity blocks. Omitted: unlimited.',
  });

/** Scan statuses that mean "the findings are final"; everything else is pending or an error. */
export const DEFAULT_COMPLETE_STATUSES = ['COMPLETE', 'INITIAL_SCAN_COMPLETE', 'ACTIVE'] as const;

const ruleFields = {
  severityLimits: severityLimitsSchema.optional(),
  /** Any finding scored above this blocks. */
  maxCvss: z
    .number()
    .min(0)
    .max(10)
    .optional()
    .meta({ description: 'A finding whose CVSS base score is above this blocks. Omitted: no CVSS rule.' }),
  /** true: findings with fixAvailable NO do not count. */
  ignoreUnfixed: z.boolean().optional().meta({
    description: 'true: findings with fixAvailable NO do not count (PARTIAL still counts).',
    default: false,
  }),
  blockExploitAvailable: z
    .boolean()
    .optional()
    .meta({ description: 'true: any finding with exploitAvailable YES blocks.', default: false }),
  completeStatuses: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({
      description: 'Scan statuses whose findings are final. Any other status is an ERROR verdict.',
      default: [...DEFAULT_COMPLETE_STATUSES],
    }),
};

export const rulesSchema = z.strictObject(ruleFields);

// parsePolicy reads YAML 1.2 (core schema), where an unquoted 2027-01-31 stays a string; a Date never
// reaches here, and accepting only text keeps the JSON Schema exact for editors.
const isoDate = z.iso.date({ error: 'expected a date YYYY-MM-DD' });

export const exceptionSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .meta({ description: 'The finding id (CVE id, or the scanner finding name) it waives.' }),
  package: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Only findings in this package (exact name). Omitted: any package.' }),
  repositories: z
    .array(z.string().min(1))
    .min(1)
    .default(['*'])
    .meta({ description: 'Repository patterns (`*` matches any run of characters, `/` included).' }),
  reason: z
    .string()
    .trim()
    .min(1, { message: 'an exception needs a reason' })
    .meta({ description: 'Why the risk is accepted; shown in every verdict it applies to.' }),
  /** Last day the exception applies (UTC, inclusive). */
  expires: isoDate.meta({ description: 'Last day the exception applies, UTC, inclusive (YYYY-MM-DD).' }),
});

export const repositoryOverrideSchema = z.strictObject({
  match: z.string().min(1).meta({ description: 'Repository pattern (`*` matches any run of characters).' }),
  mode: z.enum(['enforce', 'warn']).optional().meta({
    description: 'warn: approve anyway and report every violation as a warning.',
    default: 'enforce',
  }),
  ...ruleFields,
});

export const policySchema = z
  .strictObject({
    defaults: rulesSchema.default({}),
    exceptions: z.array(exceptionSchema).default([]),
    repositories: z
      .array(repositoryOverrideSchema)
      .default([])
      .meta({ description: 'Overrides for matching repositories, applied in order: later entries win.' }),
  })
  .meta({
    title: 'Tollgate policy',
    description: 'The rules images are judged against. See docs/policy.md.',
  });

export type Policy = z.output<typeof policySchema>;
export type PolicyRules = z.output<typeof rulesSchema>;
export type PolicyException = z.output<typeof exceptionSchema>;
export type RepositoryOverride = z.output<typeof repositoryOverrideSchema>;
export type SeverityLimits = z.output<typeof severityLimitsSchema>;
