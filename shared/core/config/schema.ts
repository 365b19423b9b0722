import * as z from 'zod';

import { isSlackPostMessageUrl, needsSecret, WEBHOOK_FORMATS } from '../alerts/delivery';
import { SIGNATURE_FORMATS, type SignatureFormat } from '../domain/signature-format';
import { organizationSchema } from './organization';

export { SIGNATURE_FORMATS, type SignatureFormat };

export const ALERTING_VERDICTS = ['REJECTED', 'ERROR', 'REVOKED', 'APPROVED'] as const;

const webhookSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { message: 'expected 1-40 letters, digits, - or _' }),
    url: z.url({ protocol: /^https?$/ }),
    /**
     * `slack`: Slack Block Kit (an incoming webhook, or `chat.postMessage` with `channel`); `json`: a generic JSON
     * body; `sysdig`: Sysdig's events API (`/api/v2/events`); `pagerduty`: PagerDuty Events API v2.
     */
    format: z.enum(WEBHOOK_FORMATS).default('slack'),
    /**
     * The Slack channel (`C0123ABCD` or `#security`) for `chat.postMessage`, which refuses a message without one
     * (`channel_not_found`, at HTTP 200).
     */
    channel: z
      .string()
      .regex(/^[#@]?[A-Za-z0-9._-]{1,80}$/, { message: 'expected a Slack channel id (C0123ABCD) or #name' })
      .optional(),
    /**
     * Secrets Manager secret (name or ARN) of the receiver's credential: the bot token (`chat.postMessage`), the
     * API token (`sysdig`), the routing key (`pagerduty`), or for the others the whole `Authorization` header value.
     */
    secretName: z.string().min(1).optional(),
  })
  .superRefine((webhook, context) => {
    const postMessage = webhook.format === 'slack' && isSlackPostMessageUrl(webhook.url);
    if (postMessage && webhook.channel === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['channel'],
        message:
          'chat.postMessage needs the channel to post to (e.g. channel: C0123ABCD); without it Slack answers ok:false channel_not_found',
      });
    }
    if (webhook.channel !== undefined && webhook.format !== 'slack') {
      context.addIssue({
        code: 'custom',
        path: ['channel'],
        message: `channel is for format: slack, not ${webhook.format}`,
      });
    }
    if (webhook.secretName === undefined && needsSecret(webhook)) {
      const what = postMessage
        ? 'a bot token (xoxb-…)'
        : webhook.format === 'pagerduty'
          ? 'the routing key'
          : 'an API token';
      context.addIssue({
        code: 'custom',
        path: ['secretName'],
        message: `${webhook.format === 'slack' ? 'chat.postMessage' : webhook.format} needs ${what}: name its Secrets Manager secret`,
      });
    }
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
      /**
       * Also write the vulnerability attestation's DSSE envelope into the legacy `sha256-<hex>.att` tag, for the
       * readers of that layout only (the policy-controller with a key, cosign up to 2.6.2, Kyverno `type:
       * Cosign`). Off, signing makes 3 manifest PUTs an image instead of 4 (docs/signature-formats.md).
       */
      legacyAttestationTag: z.boolean().default(true),
    })
    .default({
      formats: [...SIGNATURE_FORMATS],
      keyAlias: 'alias/tollgate-signing',
      legacyAttestationTag: true,
    }),
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
      refreshAfterHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 30)
        .default(24),
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
  /** The hub-and-spoke form: member accounts whose repositories this deployment covers (docs/organization.md). */
  organization: organizationSchema.optional(),
});

export type TollgateConfigInput = z.input<typeof configSchema>;
export type TollgateConfig = z.output<typeof configSchema>;
