import * as z from 'zod';
import { SEVERITIES, type Finding } from '../domain/finding';
import { inspectorCvssSchema, inspectorFinding, inspectorPackageSchema } from './inspector-finding';

export interface EnhancedFinding {
  /** Inspector's ACTIVE, SUPPRESSED or CLOSED. */
  readonly status?: string;
  readonly finding: Finding;
}

/**
 * One Amazon Inspector finding as ECR's DescribeImageScanFindings returns it. The result is the same
 * Finding that shared/core/events makes of an `Inspector2 Finding` event, so either path judges alike.
 */
export const enhancedFindingSchema = z
  .object({
    findingArn: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    severity: z.enum(SEVERITIES),
    status: z.string().optional(),
    fixAvailable: z.enum(['YES', 'NO', 'PARTIAL']).optional(),
    exploitAvailable: z.enum(['YES', 'NO']).optional(),
    packageVulnerabilityDetails: z
      .object({
        vulnerabilityId: z.string().min(1),
        cvss: z.array(inspectorCvssSchema).default([]),
        sourceUrl: z.string().optional(),
        vulnerablePackages: z.array(inspectorPackageSchema).default([]),
      })
      .optional(),
  })
  .transform((raw, ctx): EnhancedFinding => {
    const vuln = raw.packageVulnerabilityDetails;
    const id = vuln?.vulnerabilityId ?? raw.title ?? raw.findingArn;
    if (id === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['packageVulnerabilityDetails', 'vulnerabilityId'],
        message: 'a finding needs a vulnerabilityId, a title or a findingArn to be named by',
      });
      return z.NEVER;
    }
    const finding = inspectorFinding(raw, id);
    return { ...(raw.status === undefined ? {} : { status: raw.status }), finding };
  });
