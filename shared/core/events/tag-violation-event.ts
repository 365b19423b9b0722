import * as z from 'zod';
import { DIGEST_REGEX } from '../domain/digest';
import { TAG_VIOLATION } from './tollgate-detail-types';

export const TAG_VIOLATION_SCHEMA_VERSION = '1.0' as const;

export const TAG_VIOLATION_RULES = [
  'FORBIDDEN_TAG',
  'TAG_PATTERN',
  'TAG_MOVED',
  'IMMUTABILITY_NOT_ENFORCED',
] as const;
export type TagViolationRule = (typeof TAG_VIOLATION_RULES)[number];

/** `reported`: published only. `untagged`: the offending tag was removed (tagRules.action untag). */
export type TagViolationAction = 'reported' | 'untagged';

const digest = z.string().regex(DIGEST_REGEX).meta({ description: 'sha256:<64 lowercase hex>' });

/**
 * The public `Tollgate Tag Violation` detail, as a zod schema so the committed JSON Schema
 * (schemas/tag-violation-event.schema.json) and the tests check events against the same source.
 * A violation is about a tag, never the digest: it does not change the digest's verdict.
 */
export const tagViolationEventDetailSchema = z
  .strictObject({
    schemaVersion: z.literal(TAG_VIOLATION_SCHEMA_VERSION),
    registry: z.string().min(1).meta({ description: 'Registry host the image is served at' }),
    repository: z.string().min(1),
    digest,
    tag: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'The offending tag; absent for IMMUTABILITY_NOT_ENFORCED on an untagged push' }),
    rule: z.enum(TAG_VIOLATION_RULES),
    action: z
      .enum(['reported', 'untagged'])
      .meta({ description: 'untagged: only the offending tag was removed; the digest stays' }),
    previousDigest: digest.optional().meta({ description: 'TAG_MOVED: the digest the tag named before' }),
    message: z.string().min(1),
    detectedAt: z.iso.datetime({ offset: true }),
    correlationId: z.string().optional().meta({ description: 'Id of the ECR event that triggered it' }),
  })
  .meta({ title: 'Tollgate Tag Violation detail' });

export type TagViolationDetail = z.output<typeof tagViolationEventDetailSchema>;

/** Builds the event. Pure. */
export const tagViolationEvent = (
  detail: Omit<TagViolationDetail, 'schemaVersion'>,
): { readonly detailType: typeof TAG_VIOLATION; readonly detail: TagViolationDetail } => ({
  detailType: TAG_VIOLATION,
  detail: { schemaVersion: TAG_VIOLATION_SCHEMA_VERSION, ...detail },
});
