import * as z from 'zod';
import type { Finding } from '../domain/finding';

/**
 * Amazon Inspector's finding, the one owner of how Tollgate reads it. ECR's DescribeImageScanFindings
 * (enhanced) and the `Inspector2 Finding` event carry the same object; both readers build their schemas from
 * these parts and turn it into a Finding here, so both paths judge alike and fingerprint alike.
 */
export const inspectorCvssSchema = z.object({
  baseScore: z.number().min(0).max(10),
  scoringVector: z.string().optional(),
  source: z.string().optional(),
  version: z.string().optional(),
});

export const inspectorPackageSchema = z.object({
  name: z.string().min(1),
  version: z.string().optional(),
  fixedInVersion: z.string().optional(),
});

/** The fields of an Inspector finding the Finding is made of, however the finding was delivered. */
export interface InspectorFindingFields {
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly severity: Finding['severity'];
  readonly fixAvailable?: 'YES' | 'NO' | 'PARTIAL' | undefined;
  readonly exploitAvailable?: 'YES' | 'NO' | undefined;
  readonly packageVulnerabilityDetails?:
    | {
        readonly vulnerabilityId: string;
        readonly cvss: readonly z.output<typeof inspectorCvssSchema>[];
        readonly sourceUrl?: string | undefined;
        readonly vulnerablePackages: readonly z.output<typeof inspectorPackageSchema>[];
      }
    | undefined;
}

// Inspector writes this instead of leaving fixedInVersion out; it is no version.
const NO_FIXED_VERSION = 'NotAvailable';

/** The Finding of one Inspector finding, named `id` (its vulnerability id where it has one). */
export const inspectorFinding = (raw: InspectorFindingFields, id: string): Finding => {
  const vuln = raw.packageVulnerabilityDetails;
  // Inspector lists one CVSS per source; the highest version is the one its severity follows.
  const cvss = [...(vuln?.cvss ?? [])].sort((a, b) => (b.version ?? '').localeCompare(a.version ?? ''))[0];
  // Inspector makes one finding per vulnerable package; should it list more, the first names it.
  const pkg = vuln?.vulnerablePackages[0];
  const fixedInVersion = pkg?.fixedInVersion === NO_FIXED_VERSION ? undefined : pkg?.fixedInVersion;
  return {
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
};
