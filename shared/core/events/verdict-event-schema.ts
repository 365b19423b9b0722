import { SIGNATURE_FORMATS } from '../domain/signature-format';
import * as z from 'zod';
import { DIGEST_REGEX } from '../domain/digest';
import { SEVERITIES } from '../domain/finding';

/**
 * The public `Tollgate Image Verdict` detail, as a zod schema so the committed JSON Schema
 * (schemas/verdict-event.schema.json) is generated from the same source the tests check events with.
 * Strict objects: an event carrying a field the contract does not name fails the schema test.
 */

const digest = z.string().regex(DIGEST_REGEX).meta({ description: 'sha256:<64 lowercase hex>' });
const timestamp = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601' });
const count = z.number().int().nonnegative();

const imageSchema = z.strictObject({
  registry: z
    .string()
    .min(1)
    .meta({ description: 'Registry host, e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com' }),
  repository: z.string().min(1),
  digest,
  tags: z.array(z.string()).meta({
    description: 'Tags seen pushed for this digest. Informational: the verdict is about the digest.',
  }),
  mediaType: z.string().optional().meta({ description: 'Manifest media type' }),
  platform: z.string().optional().meta({ description: 'os/arch[/variant] of a platform image of an index' }),
  parent: digest.optional().meta({ description: 'The image index this platform image belongs to' }),
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional()
    .meta({
      description:
        "A spoke's image: the account it is in. Absent for the hub's own (the envelope's account). The same digest in two accounts is two images.",
    }),
  region: z.string().min(1).optional().meta({
    description: "A spoke's image: the region it is in. Absent for the hub's own (the envelope's region).",
  }),
});

const scanSchema = z.strictObject({
  type: z
    .enum(['ECR_BASIC', 'INSPECTOR'])
    .meta({ description: 'ECR basic scanning, or Amazon Inspector enhanced scanning' }),
  status: z.string().min(1),
  completedAt: timestamp.optional(),
  severityCounts: z.partialRecord(z.enum(SEVERITIES), count),
});

const blockingSchema = z.strictObject({
  id: z.string().min(1).meta({ description: 'CVE id, or the scanner finding name' }),
  severity: z.enum(SEVERITIES),
  package: z.string().optional(),
  rule: z
    .string()
    .min(1)
    .meta({ description: 'The policy rule it broke, e.g. severityLimits.CRITICAL, maxCvss' }),
});

const exceptionAppliedSchema = z.strictObject({
  id: z.string().min(1),
  package: z.string().optional(),
  reason: z.string(),
  expires: z.iso.date(),
  matched: count.meta({ description: 'Findings it waived' }),
});

const expiredExceptionSchema = exceptionAppliedSchema.extend({
  matched: count.meta({ description: 'Findings it would have waived' }),
});

const staleExceptionSchema = z.strictObject({
  id: z.string().min(1),
  package: z.string().optional(),
  reason: z.string(),
  expires: z.iso.date(),
  expired: z.boolean(),
});

export const SIGNATURE_REF_FORMATS = SIGNATURE_FORMATS;

const signatureSchema = z.strictObject({
  format: z.enum(SIGNATURE_REF_FORMATS),
  reference: z.string().min(1).meta({ description: 'Where it is stored: a tag or a referrer digest' }),
});

/** Lists the size cap may shorten; `truncated` names each one that was cut, with its full length. */
export const TRUNCATABLE_LISTS = [
  'blocking',
  'exceptionsApplied',
  'expiredExceptions',
  'staleExceptions',
  'warnings',
  'reasons',
  'tags',
] as const;
export type TruncatableList = (typeof TRUNCATABLE_LISTS)[number];

export const verdictEventDetailSchema = z
  .strictObject({
    schemaVersion: z.literal('1.0'),
    verdict: z.enum(['APPROVED', 'REJECTED', 'ERROR', 'REVOKED']),
    mode: z
      .enum(['enforce', 'warn'])
      .meta({ description: 'warn: approved despite violations, listed in warnings' }),
    image: imageSchema,
    scan: scanSchema
      .optional()
      .meta({ description: 'Absent when no scan result exists (e.g. NOT_SCANNED, SCAN_TIMEOUT)' }),
    blocking: z.array(blockingSchema).meta({ description: 'The most severe blocking findings, at most 20' }),
    blockingTotal: count.meta({ description: 'All blocking findings, however many are listed' }),
    exceptionsApplied: z.array(exceptionAppliedSchema),
    expiredExceptions: z.array(expiredExceptionSchema).optional(),
    staleExceptions: z.array(staleExceptionSchema).optional(),
    warnings: z.array(z.string()),
    reasons: z.array(z.string()).meta({ description: 'One line each, for people; not meant to be parsed' }),
    error: z
      .strictObject({ code: z.string().min(1), message: z.string() })
      .optional()
      .meta({ description: 'Set on ERROR: why the image could not be judged' }),
    revokedAt: timestamp.optional().meta({ description: 'Set on REVOKED: when the approval was withdrawn' }),
    signatures: z.array(signatureSchema),
    policyDigest: z
      .string()
      .regex(DIGEST_REGEX)
      .optional()
      .meta({ description: 'sha256 of the policy file that judged the image' }),
    decidedAt: timestamp,
    correlationId: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Id of the event that triggered the decision' }),
    truncated: z.partialRecord(z.enum(TRUNCATABLE_LISTS), count).optional().meta({
      description: 'Present only when lists were cut to fit EventBridge: each cut list and its full length',
    }),
  })
  .meta({
    title: 'Tollgate Image Verdict',
    description: 'The detail of a `Tollgate Image Verdict` event (source `tollgate`). See docs/events.md.',
  });

export type VerdictEventDetail = z.output<typeof verdictEventDetailSchema>;
