import { z } from 'zod';

import { SIGNATURE_FORMATS, type SignatureFormat } from '../domain/signature-format';

export { SIGNATURE_FORMATS, type SignatureFormat };

export const ALERTING_VERDICTS = ['REJECTED', 'ERROR', 'REVOKED', 'APPROVED'] as const;

const webhookSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { message: 'expected 1-40 letters, digits, - or _' }),
  url: z.url({ protocol: /^https?$/ }),
  /** `slack`: Slack Block Kit; `json`: a generic JSON body for Sysdig, PagerDuty, Teams and the like. */
  format: z.enum(['slack', 'json']).default('slack'),
  /**
   * Secrets Manager secret whose value is sent as the Authorization header. The URL itself is not a secret;
   * a Slack incoming-webhook URL is, so put it here as `secretName` and leave `url` as the base.
   */
  secretName: z.string().min(1).optional(),
});

const tagRulesSchema = z.strictObject({
  forbidden: z.array(z.string().min(1)).default(['latest']),
  /** A regular expression every tag must match, e.g. semver. */
  requiredPattern: z
    .string()
    .refine(
      (pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected a valid regular expression' },
    )
    .optional(),
  action: z.enum(['report', 'untag']).default('report'),
});

const RECONCILE_DEFAULTS = {
  intervalMinutes: 60,
  scope: { tagged: true, maxAgeDays: 90, pulledWithinDays: 30 },
  rescanAfterDays: 7,
  maxApiCallsPerRun: 5000,
};

const reconcileSchema = z.strictObject({
  /** How often the sweep runs. */
  intervalMinutes: z.number().int().min(5).max(1440).default(RECONCILE_DEFAULTS.intervalMinutes),
  /**
   * Which images the sweep acts on: any that is tagged, pushed within `maxAgeDays`, or pulled within
   * `pulledWithinDays` (ECR's lastRecordedPullTime). The others are counted, not acted on.
   */
  scope: z
    .strictObject({
      tagged: z.boolean().default(true),
      maxAgeDays: z.number().int().min(0).max(3650).default(90),
      pulledWithinDays: z.number().int().min(0).max(3650).default(30),
    })
    .default(RECONCILE_DEFAULTS.scope),
  /** With basic scanning, an in-use image whose last scan is older than this is scanned again (ECR allows one a day). */
  rescanAfterDays: z.number().int().min(1).max(365).default(RECONCILE_DEFAULTS.rescanAfterDays),
  /** The AWS API calls one run may make before it stops and leaves its cursor for the next. */
  maxApiCallsPerRun: z.number().int().min(50).max(1_000_000).default(RECONCILE_DEFAULTS.maxApiCallsPerRun),
});

/** The whole of `tollgate.config.yaml`; also accepted as the `Tollgate` construct's props. */
export const configSchema = z.strictObject({
  /** Repository patterns Tollgate covers. `*` matches any characters, `/` included (EventBridge wildcard). */
  repositories: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9._/*-]+$/, { message: 'expected a repository name or glob' })
        // EventBridge refuses consecutive wildcards in a rule, so `**` would fail at deploy, not at synth.
        // It would add nothing: `*` already crosses `/`.
        .refine((glob) => !glob.includes('**'), { message: 'use * instead of **: * already matches /' }),
    )
    .min(1),
  /** Path to the policy file, relative to the config file. */
  policy: z.string().min(1).default('tollgate.policy.yaml'),
  alerts: z
    .strictObject({
      emails: z.array(z.email()).default([]),
      webhooks: z.array(webhookSchema).default([]),
      verdicts: z.array(z.enum(ALERTING_VERDICTS)).default(['REJECTED', 'ERROR', 'REVOKED']),
      tagViolations: z.boolean().default(true),
    })
    .default({ emails: [], webhooks: [], verdicts: ['REJECTED', 'ERROR', 'REVOKED'], tagViolations: true }),
  signatures: z
    .strictObject({
      formats: z.array(z.enum(SIGNATURE_FORMATS)).default([...SIGNATURE_FORMATS]),
      keyAlias: z
        .string()
        .regex(/^alias\/[a-zA-Z0-9/_-]{1,250}$/, { message: 'expected alias/<name>' })
        .refine((alias) => !alias.startsWith('alias/aws/'), {
          message: 'alias/aws/ is reserved for AWS managed keys',
        })
        .default('alias/tollgate-signing'),
    })
    .default({ formats: [...SIGNATURE_FORMATS], keyAlias: 'alias/tollgate-signing' }),
  immutability: z.enum(['enforce', 'report']).default('enforce'),
  tagRules: tagRulesSchema.default({ forbidden: ['latest'], action: 'report' }),
  /** Minutes to wait for a scan before the image gets an ERROR verdict `SCAN_TIMEOUT`. */
  scanTimeoutMinutes: z.number().int().min(5).max(1440).default(30),
  revocation: z.enum(['alert', 'remove-signatures']).default('alert'),
  /** How long the bus archive keeps events, for audit and replay. 0 keeps them forever. */
  archiveRetentionDays: z.number().int().min(0).max(3650).default(365),
  /** The sweep that reconciles the registry with the verdict table (docs/reconcile.md). */
  reconcile: reconcileSchema.default(RECONCILE_DEFAULTS),
  attestation: z
    .strictObject({
      /** An approved image's vulnerability attestation older than this is re-issued from a newer scan. */
      refreshAfterHours: z.number().int().min(1).max(24 * 30).default(24),
    })
    .default({ refreshAfterHours: 24 }),
  signing: z
    .strictObject({
      /**
       * Manifest PUTs per second that signing may spend, out of ECR's PutImage quota (10 per second per account
       * and region by default), so the teams' own pushes keep the rest.
       */
      putImagePerSecond: z.number().min(0.1).max(1000).default(5),
      /**
       * How many sign invocations may run at once (the sign function's reserved concurrency). Each takes
       * `putImagePerSecond / concurrency` of the budget, so together they never exceed it.
       */
      concurrency: z.number().int().min(1).max(100).default(5),
    })
    .default({ putImagePerSecond: 5, concurrency: 5 }),
});

export type TollgateConfigInput = z.input<typeof configSchema>;
export type TollgateConfig = z.output<typeof configSchema>;
