import { z } from 'zod';
import { SEVERITIES, type Finding } from '../domain/finding';

const cvssSchema = z.object({
  baseScore: z.number().min(0).max(10),
  scoringVector: z.string().optional(),
  source: z.string().optional(),
  version: z.string().optional(),
});

const vulnerablePackageSchema = z.object({
  name: z.string().min(1),
  version: z.string().optional(),
  fixedInVersion: z.string().optional(),
});

// Inspector writes this instead of leaving fixedInVersion out; it is no version.
const NO_FIXED_VERSION = 'NotAvailable';

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
        cvss: z.array(cvssSchema).default([]),
        sourceUrl: z.string().optional(),
        vulnerablePackages: z.array(vulnerablePackageSchema).default([]),
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
    // Inspector lists one CVSS per source; the highest version is the one its severity follows.
    const cvss = [...(vuln?.cvss ?? [])].sort((a, b) => (b.version ?? '').localeCompare(a.version ?? ''))[0];
    // Inspector makes one finding per vulnerable package; should it list more, the first names it.
    const pkg = vuln?.vulnerablePackages[0];
    const fixedInVersion = pkg?.fixedInVersion === NO_FIXED_VERSION ? undefined : pkg?.fixedInVersion;
    const finding: Finding = {
      id,
      severity: raw.severity,
      ...(raw.title === undefined ? {} : { title: raw.title }),
      ...(raw.description === undefined ? {} : { description: raw.description }),
      ...(cvss === undefined
        ? {}
        : {
            cvss: { score: cvss.baseScore, ...(cvss.version === undefined ? {} : { version: cvss.version }) },
          }),
      ...(pkg === undefined
        ? {}
        : { package: { name: pkg.name, ...(pkg.version === undefined ? {} : { version: pkg.version }) } }),
      ...(fixedInVersion === undefined ? {} : { fixedInVersion }),
      ...(raw.fixAvailable === undefined ? {} : { fixAvailable: raw.fixAvailable }),
      ...(raw.exploitAvailable === undefined ? {} : { exploitAvailable: raw.exploitAvailable }),
      ...(vuln?.sourceUrl === undefined ? {} : { sourceUrl: vuln.sourceUrl }),
    };
    return { ...(raw.status === undefined ? {} : { status: raw.status }), finding };
  });
