import * as z from 'zod';

/**
 * The fields of the public event details an alert reads, and nothing else. Deliberately lenient
 * (unknown fields pass, most fields optional): the producer's own schema is strict, and an alert
 * must still go out for an event from a newer producer that added a field.
 */

const VERDICTS = ['APPROVED', 'REJECTED', 'ERROR', 'REVOKED'] as const;
export type AlertVerdict = (typeof VERDICTS)[number];

const exceptionSchema = z.object({
  id: z.string(),
  package: z.string().optional(),
  reason: z.string().optional(),
  /** YYYY-MM-DD */
  expires: z.string(),
});

export const verdictAlertInputSchema = z.object({
  verdict: z.enum(VERDICTS),
  mode: z.enum(['enforce', 'warn']).optional(),
  image: z.object({
    registry: z.string().optional(),
    repository: z.string().min(1),
    digest: z.string().min(1),
    tags: z.array(z.string()).optional(),
    platform: z.string().optional(),
    /** A spoke's image (docs/organization.md): the same digest in two accounts is two alerts. */
    account: z.string().optional(),
    region: z.string().optional(),
  }),
  scan: z
    .object({
      type: z.string().optional(),
      status: z.string().optional(),
      completedAt: z.string().optional(),
      severityCounts: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
  blocking: z
    .array(
      z.object({
        id: z.string(),
        severity: z.string(),
        package: z.string().optional(),
        rule: z.string().optional(),
      }),
    )
    .optional(),
  blockingTotal: z.number().int().nonnegative().optional(),
  exceptionsApplied: z.array(exceptionSchema).optional(),
  warnings: z.array(z.string()).optional(),
  reasons: z.array(z.string()).optional(),
  error: z.object({ code: z.string(), message: z.string().optional() }).optional(),
  revokedAt: z.string().optional(),
  decidedAt: z.string().optional(),
  /** The policy file that judged the image (Sysdig's tags, PagerDuty's details). */
  policyDigest: z.string().optional(),
  correlationId: z.string().optional(),
});
export type VerdictAlertInput = z.input<typeof verdictAlertInputSchema>;

export const tagViolationAlertInputSchema = z.object({
  registry: z.string().optional(),
  repository: z.string().min(1),
  digest: z.string().min(1),
  tag: z.string().optional(),
  rule: z.string().min(1),
  action: z.string().optional(),
  previousDigest: z.string().optional(),
  message: z.string().optional(),
  detectedAt: z.string().optional(),
  correlationId: z.string().optional(),
});
export type TagViolationAlertInput = z.input<typeof tagViolationAlertInputSchema>;

/** Where the event was published: the console link falls back to it when the registry host is not ECR's. */
export interface AlertOrigin {
  readonly account?: string;
  readonly region?: string;
}
