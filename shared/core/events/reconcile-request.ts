import * as z from 'zod';

const globSchema = z.string().regex(/^[a-z0-9._/*-]+$/, { message: 'expected a repository name or glob' });

/**
 * What starts a sweep: `{}` from its schedule, or `tollgate backfill`'s wider request. A backfill may widen the
 * scope and narrow the repositories, never widen them: the sweep only ever covers the configured repositories.
 */
export const reconcileRequestSchema = z.strictObject({
  trigger: z.enum(['schedule', 'backfill']).default('schedule'),
  scope: z
    .strictObject({
      tagged: z.boolean(),
      maxAgeDays: z.number().int().min(0).max(3650),
      pulledWithinDays: z.number().int().min(0).max(3650),
    })
    .optional(),
  repositories: z.array(globSchema).min(1).optional(),
  dryRun: z.boolean().optional(),
});

export type ReconcileRequest = z.output<typeof reconcileRequestSchema>;
