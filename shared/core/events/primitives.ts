import * as z from 'zod';
import { DIGEST_REGEX, type Digest } from '../domain/digest';
import { parseEventTime } from './inspector-time';

export const digestSchema = z
  .string()
  .regex(DIGEST_REGEX, { message: 'expected a digest of the form sha256:<64 lowercase hex>' })
  .transform((value) => value as Digest);

// ECR's own limits: 2-256 characters, lowercase path components separated by `/`.
export const repositoryNameSchema = z
  .string()
  .min(2)
  .max(256)
  .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
    message: 'expected an ECR repository name',
  });

// OCI tag grammar: at most 128 characters.
export const tagSchema = z
  .string()
  .regex(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/, { message: 'expected an OCI tag (at most 128 characters)' });

/** Accepts ISO 8601 or Inspector's `Wed Dec 02 09:13:58.120 UTC 2026`; always yields ISO 8601. */
export const eventTimeSchema = z.string().transform((value, ctx) => {
  const iso = parseEventTime(value);
  if (iso === undefined) {
    ctx.addIssue({ code: 'custom', message: `unrecognised timestamp ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return iso;
});

export const accountSchema = z.string().regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' });

/** A spoke image's account and region, as Tollgate's own events and schedules carry it (shared/core/domain/image-scope). */
export const imageScopeSchema = z.strictObject({
  account: accountSchema,
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'expected an AWS region such as eu-west-1' }),
});

/** The EventBridge envelope common to every AWS event. */
export const envelopeSchema = <D extends z.ZodType, T extends string, S extends string>(
  detailType: T,
  source: S,
  detail: D,
) =>
  z.object({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.literal(detailType),
    source: z.literal(source),
    account: accountSchema,
    time: eventTimeSchema,
    region: z.string().min(1),
    resources: z.array(z.string()),
    detail,
    'replay-name': z.string().optional(),
  });

/** `arn:aws:ecr:us-west-2:123456789012:repository/web/frontend` → `web/frontend`. */
export const repositoryArnSchema = z.string().transform((value, ctx) => {
  const match = /^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository\/(.+)$/.exec(value);
  const name = match?.[1];
  if (name === undefined || !repositoryNameSchema.safeParse(name).success) {
    ctx.addIssue({ code: 'custom', message: `expected an ECR repository ARN, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return name;
});
