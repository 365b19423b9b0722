import * as z from 'zod';
import { isDigest } from '../../domain/digest';
import type { ValidationIssue } from '../../domain/errors';
import { fieldPath } from '../../domain/field-path';
import { countBySeverity, type Finding, type FixAvailable, type Severity } from '../../domain/finding';
import { toValidationIssues } from '../../events/parse';
import { ScannerReportValidationError } from './errors';
import { assertFindingCount } from './limits';
import {
  REPORT_SCAN_STATUS,
  cvssScoreSchema,
  digestOfReference,
  parseReferences,
  reportTimeSchema,
  uniqueDigests,
  vectorVersion,
  type ScannerReport,
} from './report';

/** Trivy's severities (trivy-db `pkg/types/types.go`, SeverityNames) and the one each is judged as. */
export const TRIVY_SEVERITIES = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  // No data source gave one. ECR basic scanning calls that UNDEFINED.
  UNKNOWN: 'UNDEFINED',
} as const satisfies Record<string, Severity>;

/**
 * Trivy's vulnerability statuses (trivy-db `pkg/types/status.go`) and the fix availability each means when the
 * finding names no FixedVersion. NO only where the vendor says there is no fix (yet, or ever); a status that does
 * not say is left undefined, so `ignoreUnfixed` never drops it.
 */
export const TRIVY_STATUS_FIX = {
  fixed: 'YES',
  affected: 'NO',
  will_not_fix: 'NO',
  fix_deferred: 'NO',
  end_of_life: 'NO',
  unknown: undefined,
  not_affected: undefined,
  under_investigation: undefined,
} as const satisfies Record<string, FixAvailable | undefined>;

type TrivyStatus = keyof typeof TRIVY_STATUS_FIX;

const enumOf = <K extends string>(table: Record<K, unknown>): [K, ...K[]] =>
  Object.keys(table) as [K, ...K[]];
const oneOf = (values: readonly string[]): string => `expected one of ${values.join(', ')}`;

const severitySchema = z.enum(enumOf(TRIVY_SEVERITIES), {
  error: oneOf(enumOf(TRIVY_SEVERITIES)),
});
const statusSchema = z.enum(enumOf(TRIVY_STATUS_FIX), { error: oneOf(enumOf(TRIVY_STATUS_FIX)) });

// trivy-db `pkg/types/types.go` CVSS: a zero score is left out (omitempty), so a present one is a real score.
const cvssSchema = z.object({
  V2Score: cvssScoreSchema.optional(),
  V2Vector: z.string().optional(),
  V3Score: cvssScoreSchema.optional(),
  V3Vector: z.string().optional(),
  V40Score: cvssScoreSchema.optional(),
  V40Vector: z.string().optional(),
});
type TrivyCvss = z.output<typeof cvssSchema>;

/** trivy `pkg/types/vulnerability.go` DetectedVulnerability, with trivy-db's Vulnerability embedded. */
const vulnerabilitySchema = z.object({
  VulnerabilityID: z.string().min(1),
  PkgName: z.string().optional(),
  InstalledVersion: z.string().optional(),
  FixedVersion: z.string().optional(),
  Status: statusSchema.optional(),
  SeveritySource: z.string().optional(),
  PrimaryURL: z.string().optional(),
  Title: z.string().optional(),
  Description: z.string().optional(),
  Severity: severitySchema,
  CVSS: z.record(z.string(), cvssSchema).optional(),
});
type TrivyVulnerability = z.output<typeof vulnerabilitySchema>;

const modifiedFindingSchema = z.object({ Type: z.string(), Finding: z.unknown() });

const resultSchema = z.object({
  Target: z.string(),
  Class: z.string().optional(),
  Type: z.string().optional(),
  Vulnerabilities: z.array(vulnerabilitySchema).optional(),
  Misconfigurations: z.array(z.unknown()).optional(),
  Secrets: z.array(z.unknown()).optional(),
  Licenses: z.array(z.unknown()).optional(),
  // .trivyignore and VEX suppressions, written only with --show-suppressed.
  ExperimentalModifiedFindings: z.array(modifiedFindingSchema).optional(),
});

/** trivy `pkg/types/report.go` Report, the parts Tollgate reads. Other fields are let through. */
export const trivyReportSchema = z.object({
  SchemaVersion: z.literal(2, { error: 'expected 2: Tollgate reads Trivy JSON reports of SchemaVersion 2' }),
  Trivy: z.object({ Version: z.string().optional() }).optional(),
  CreatedAt: reportTimeSchema.optional(),
  ArtifactName: z.string().min(1),
  ArtifactType: z.string().min(1),
  Metadata: z
    .object({
      ImageID: z.string().optional(),
      RepoTags: z.array(z.string()).optional(),
      RepoDigests: z.array(z.string()).optional(),
    })
    .optional(),
  Results: z.array(resultSchema).optional(),
});

/**
 * The CVSS score a Trivy finding is judged by: NVD's first, then the source Trivy took the severity from
 * (`SeveritySource`), then any other source in name order. Within a source the newest version Trivy has:
 * V40, then V3, then V2, as the ECR enhanced path takes Inspector's highest version.
 */
export const trivyCvss = (
  cvss: Readonly<Record<string, TrivyCvss>> | undefined,
  severitySource: string | undefined,
): { score: number; version: string; source: string } | undefined => {
  if (cvss === undefined) return undefined;
  const others = Object.keys(cvss)
    .filter((source) => source !== 'nvd' && source !== severitySource)
    .sort();
  const order = ['nvd', ...(severitySource === undefined ? [] : [severitySource]), ...others];
  for (const source of order) {
    const entry = Object.hasOwn(cvss, source) ? cvss[source] : undefined;
    if (entry === undefined) continue;
    if (entry.V40Score !== undefined) {
      return { score: entry.V40Score, version: vectorVersion(entry.V40Vector, '4.0'), source };
    }
    if (entry.V3Score !== undefined) {
      return { score: entry.V3Score, version: vectorVersion(entry.V3Vector, '3'), source };
    }
    if (entry.V2Score !== undefined) return { score: entry.V2Score, version: '2', source };
  }
  return undefined;
};

/** A FixedVersion means a fix; without one, the status says (see TRIVY_STATUS_FIX). */
export const trivyFixAvailable = (
  fixedVersion: string | undefined,
  status: TrivyStatus | undefined,
): FixAvailable | undefined => {
  if (fixedVersion !== undefined && fixedVersion !== '') return 'YES';
  return status === undefined ? undefined : TRIVY_STATUS_FIX[status];
};

const text = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

const toFinding = (raw: TrivyVulnerability): Finding => {
  const cvss = trivyCvss(raw.CVSS, text(raw.SeveritySource));
  const packageName = text(raw.PkgName);
  const packageVersion = text(raw.InstalledVersion);
  const fixedInVersion = text(raw.FixedVersion);
  const fixAvailable = trivyFixAvailable(fixedInVersion, raw.Status);
  const title = text(raw.Title);
  const description = text(raw.Description);
  const sourceUrl = text(raw.PrimaryURL);
  // Trivy's JSON says nothing of exploits: exploitAvailable stays unknown.
  return {
    id: raw.VulnerabilityID,
    severity: TRIVY_SEVERITIES[raw.Severity],
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    ...(cvss === undefined ? {} : { cvss: { score: cvss.score, version: cvss.version } }),
    ...(packageName === undefined
      ? {}
      : {
          package: {
            name: packageName,
            ...(packageVersion === undefined ? {} : { version: packageVersion }),
          },
        }),
    ...(fixedInVersion === undefined ? {} : { fixedInVersion }),
    ...(fixAvailable === undefined ? {} : { fixAvailable }),
    ...(sourceUrl === undefined ? {} : { sourceUrl }),
  };
};

/** Counts the vulnerabilities before they are parsed, so a report over the limit is not parsed at all. */
const rawVulnerabilityCount = (input: unknown): number => {
  const results = (input as { Results?: unknown } | null)?.Results;
  if (!Array.isArray(results)) return 0;
  let count = 0;
  for (const result of results as unknown[]) {
    const { Vulnerabilities: vulnerabilities, ExperimentalModifiedFindings: modified } = (result ?? {}) as {
      Vulnerabilities?: unknown;
      ExperimentalModifiedFindings?: unknown;
    };
    if (Array.isArray(vulnerabilities)) count += vulnerabilities.length;
    if (Array.isArray(modified)) count += modified.length;
  }
  return count;
};

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/**
 * Normalizes a Trivy JSON report (`trivy image --format json`, SchemaVersion 2). Every vulnerability in every
 * result is a finding, the ones Trivy suppressed and still lists (`ExperimentalModifiedFindings`) included: the
 * policy's exceptions waive findings, not the scanner's settings.
 * @throws ScannerReportValidationError naming the first bad field, e.g. `Results.0.Vulnerabilities.3.Severity`
 * @throws ReportLimitError for more than MAX_REPORT_FINDINGS vulnerabilities
 */
export const parseTrivyReport = (input: unknown, source?: string): ScannerReport => {
  const subject = source === undefined ? {} : { subject: source };
  assertFindingCount(rawVulnerabilityCount(input));
  const parsed = trivyReportSchema.safeParse(input);
  if (!parsed.success)
    throw new ScannerReportValidationError('trivy', toValidationIssues(parsed.error), subject);
  const report = parsed.data;

  const findings: Finding[] = [];
  const issues: ValidationIssue[] = [];
  let suppressed = 0;
  let secrets = 0;
  let misconfigurations = 0;
  let licenses = 0;
  (report.Results ?? []).forEach((result, resultIndex) => {
    for (const vulnerability of result.Vulnerabilities ?? []) findings.push(toFinding(vulnerability));
    (result.ExperimentalModifiedFindings ?? []).forEach((modified, index) => {
      if (modified.Type !== 'vulnerability') return;
      const finding = vulnerabilitySchema.safeParse(modified.Finding);
      if (!finding.success) {
        const prefix = ['Results', resultIndex, 'ExperimentalModifiedFindings', index, 'Finding'];
        for (const issue of finding.error.issues) {
          issues.push({ field: fieldPath([...prefix, ...issue.path]), message: issue.message });
        }
        return;
      }
      findings.push(toFinding(finding.data));
      suppressed += 1;
    });
    secrets += result.Secrets?.length ?? 0;
    misconfigurations += result.Misconfigurations?.length ?? 0;
    licenses += result.Licenses?.length ?? 0;
  });
  if (issues.length > 0) throw new ScannerReportValidationError('trivy', issues, subject);

  const metadata = report.Metadata;
  const repoDigests = metadata?.RepoDigests ?? [];
  const notes: string[] = [];
  if (suppressed > 0) {
    notes.push(
      `${plural(suppressed, 'vulnerability', 'vulnerabilities')} Trivy suppressed (.trivyignore or VEX) ${suppressed === 1 ? 'is' : 'are'} judged like the others: waive them with a policy exception`,
    );
  }
  const unjudged = [
    ...(misconfigurations > 0 ? [plural(misconfigurations, 'misconfiguration', 'misconfigurations')] : []),
    ...(secrets > 0 ? [plural(secrets, 'secret', 'secrets')] : []),
    ...(licenses > 0 ? [plural(licenses, 'license', 'licenses')] : []),
  ];
  if (unjudged.length > 0) {
    notes.push(`the report also lists ${unjudged.join(', ')}: the policy judges vulnerabilities only`);
  }
  const imageId = metadata?.ImageID;
  return {
    format: 'trivy',
    scanner: 'TRIVY',
    ...(text(report.Trivy?.Version) === undefined ? {} : { scannerVersion: report.Trivy?.Version as string }),
    artifactName: report.ArtifactName,
    digests: uniqueDigests(repoDigests.map(digestOfReference)),
    ...(isDigest(imageId) ? { imageId } : {}),
    references: parseReferences([...repoDigests, ...(metadata?.RepoTags ?? [])]),
    scan: {
      scanner: 'TRIVY',
      status: REPORT_SCAN_STATUS,
      ...(report.CreatedAt === undefined ? {} : { completedAt: report.CreatedAt }),
      severityCounts: countBySeverity(findings),
    },
    findings,
    notes,
  };
};
