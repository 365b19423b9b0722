import * as z from 'zod';
import { isDigest } from '../../domain/digest';
import { countBySeverity, type Finding, type FixAvailable, type Severity } from '../../domain/finding';
import { toValidationIssues } from '../../events/parse';
import { ScannerReportValidationError } from './errors';
import { assertFindingCount } from './limits';
import {
  REPORT_SCAN_STATUS,
  cvssScoreSchema,
  digestOfReference,
  parseReferences,
  quote,
  reportTimeSchema,
  uniqueDigests,
  vectorVersion,
  type ScannerReport,
} from './report';

/**
 * Grype's severities (grype `grype/vulnerability/severity.go`), matched without regard to case as Grype's own
 * ParseSeverity does, and the one each is judged as. Unlike Grype, a string that is none of them is refused, not
 * read as Unknown.
 */
export const GRYPE_SEVERITIES = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  // Below low: ECR basic scanning's INFORMATIONAL.
  negligible: 'INFORMATIONAL',
  // No data source gave one. ECR basic scanning calls that UNDEFINED.
  unknown: 'UNDEFINED',
} as const satisfies Record<string, Severity>;

/**
 * Grype's fix states (grype `grype/vulnerability/fix.go`) and the fix availability each means when no fixed
 * version is listed. An empty state (the presenter writes the state as it has it) is the same as `unknown`.
 */
export const GRYPE_FIX_STATES = {
  fixed: 'YES',
  'not-fixed': 'NO',
  'wont-fix': 'NO',
  unknown: undefined,
  '': undefined,
} as const satisfies Record<string, FixAvailable | undefined>;

type GrypeFixState = keyof typeof GRYPE_FIX_STATES;

const SEVERITY_NAMES = 'Critical, High, Medium, Low, Negligible, Unknown';

const severitySchema = z.string().transform((value, ctx): Severity => {
  const key = value.toLowerCase();
  if (Object.hasOwn(GRYPE_SEVERITIES, key)) return GRYPE_SEVERITIES[key as keyof typeof GRYPE_SEVERITIES];
  ctx.addIssue({ code: 'custom', message: `expected one of ${SEVERITY_NAMES}, got ${quote(value)}` });
  return z.NEVER;
});

const fixStateSchema = z.enum(Object.keys(GRYPE_FIX_STATES) as [GrypeFixState, ...GrypeFixState[]], {
  error: 'expected one of fixed, not-fixed, wont-fix, unknown',
});

/** grype `grype/presenter/models/cvss.go` Cvss. */
const cvssSchema = z.object({
  source: z.string().optional(),
  type: z.string().optional(),
  version: z.string().optional(),
  vector: z.string().optional(),
  metrics: z.object({ baseScore: cvssScoreSchema }),
});
type GrypeCvss = z.output<typeof cvssSchema>;

// Grype writes `null` for the lists of a vulnerability it has no metadata for.
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((value) => value ?? []);

/** grype `grype/presenter/models/vulnerability_metadata.go` VulnerabilityMetadata, as a related vulnerability. */
const relatedSchema = z.object({
  id: z.string().optional(),
  cvss: list(cvssSchema),
  knownExploited: list(z.unknown()),
});

/** grype `grype/presenter/models/match.go` Match, with `vulnerability.go` and `package.go`. */
const matchSchema = z.object({
  vulnerability: z.object({
    id: z.string().min(1),
    dataSource: z.string().optional(),
    severity: severitySchema,
    urls: list(z.string()),
    description: z.string().optional(),
    cvss: list(cvssSchema),
    knownExploited: list(z.unknown()),
    fix: z.object({ versions: list(z.string()), state: fixStateSchema }),
  }),
  relatedVulnerabilities: list(relatedSchema),
  matchDetails: list(z.object({ fix: z.object({ suggestedVersion: z.string().optional() }).nullish() })),
  artifact: z.object({ name: z.string().min(1), version: z.string().optional() }),
});
type GrypeMatch = z.output<typeof matchSchema>;

/** syft `syft/source/image_metadata.go` ImageMetadata: what grype writes as `source.target` for an image. */
const imageTargetSchema = z.object({
  userInput: z.string().optional(),
  imageID: z.string().optional(),
  manifestDigest: z.string().optional(),
  tags: list(z.string()),
  repoDigests: list(z.string()),
});

/** grype `grype/presenter/models/document.go` Document, the parts Tollgate reads. Other fields are let through. */
export const grypeReportSchema = z.object({
  matches: z.array(matchSchema),
  ignoredMatches: z.array(matchSchema).optional(),
  source: z.object({ type: z.string(), target: z.unknown() }).nullable(),
  descriptor: z.object({
    name: z.string().min(1),
    version: z.string().optional(),
    timestamp: reportTimeSchema.optional(),
  }),
});

// Source types whose target is syft's ImageMetadata (grype `grype/presenter/models/source.go`).
const IMAGE_SOURCES = new Set(['image', 'oci-model']);

const isNvd = (source: string | undefined): boolean => {
  const name = (source ?? '').toLowerCase();
  return name === 'nvd' || name.endsWith('@nist.gov');
};

const versionRank = (version: string | undefined): number[] =>
  (version ?? '').split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : -1));

const newerFirst = (a: GrypeCvss, b: GrypeCvss): number => {
  const [left, right] = [versionRank(a.version), versionRank(b.version)];
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (right[index] ?? -1) - (left[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
};

/**
 * The CVSS score a Grype match is judged by: NVD's first (source `nvd`, or NVD's own `nvd@nist.gov`), from the
 * vulnerability and then its related vulnerabilities; then the vulnerability's other sources (the advisory it was
 * matched by); then the related vulnerabilities' other sources. Within each, the newest CVSS version first.
 */
export const grypeCvss = (
  own: readonly GrypeCvss[],
  related: readonly GrypeCvss[],
): { score: number; version?: string; source?: string } | undefined => {
  const groups = [
    [...own, ...related].filter((entry) => isNvd(entry.source)),
    own.filter((entry) => !isNvd(entry.source)),
    related.filter((entry) => !isNvd(entry.source)),
  ];
  for (const group of groups) {
    const entry = [...group].sort(newerFirst)[0];
    if (entry === undefined) continue;
    const version =
      entry.version === undefined || entry.version === '' ? vectorVersion(entry.vector, '') : entry.version;
    return {
      score: entry.metrics.baseScore,
      ...(version === '' ? {} : { version }),
      ...(entry.source === undefined || entry.source === '' ? {} : { source: entry.source }),
    };
  }
  return undefined;
};

/** A listed fixed version means a fix; without one, the state says (see GRYPE_FIX_STATES). */
export const grypeFixAvailable = (
  state: GrypeFixState,
  versions: readonly string[],
): FixAvailable | undefined => (versions.some((version) => version !== '') ? 'YES' : GRYPE_FIX_STATES[state]);

const text = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

const toFinding = (raw: GrypeMatch): Finding => {
  const vulnerability = raw.vulnerability;
  const cvss = grypeCvss(
    vulnerability.cvss,
    raw.relatedVulnerabilities.flatMap((related) => related.cvss),
  );
  const versions = vulnerability.fix.versions.filter((version) => version !== '');
  const suggested = raw.matchDetails
    .map((detail) => text(detail.fix?.suggestedVersion))
    .find((version) => version !== undefined);
  const fixedInVersion = suggested ?? (versions.length > 0 ? versions.join(', ') : undefined);
  const fixAvailable = grypeFixAvailable(vulnerability.fix.state, versions);
  // CISA's Known Exploited Vulnerabilities list: an exploit is in use. Not listed says nothing, so it stays unknown.
  const knownExploited =
    vulnerability.knownExploited.length > 0 ||
    raw.relatedVulnerabilities.some((related) => related.knownExploited.length > 0);
  const description = text(vulnerability.description);
  const sourceUrl = text(vulnerability.dataSource) ?? text(vulnerability.urls[0]);
  const packageVersion = text(raw.artifact.version);
  return {
    id: vulnerability.id,
    severity: vulnerability.severity,
    ...(description === undefined ? {} : { description }),
    ...(cvss === undefined
      ? {}
      : { cvss: { score: cvss.score, ...(cvss.version === undefined ? {} : { version: cvss.version }) } }),
    package: {
      name: raw.artifact.name,
      ...(packageVersion === undefined ? {} : { version: packageVersion }),
    },
    ...(fixedInVersion === undefined ? {} : { fixedInVersion }),
    ...(fixAvailable === undefined ? {} : { fixAvailable }),
    ...(knownExploited ? { exploitAvailable: 'YES' as const } : {}),
    ...(sourceUrl === undefined ? {} : { sourceUrl }),
  };
};

const rawMatchCount = (input: unknown): number => {
  const { matches, ignoredMatches } = (input ?? {}) as { matches?: unknown; ignoredMatches?: unknown };
  return (
    (Array.isArray(matches) ? matches.length : 0) +
    (Array.isArray(ignoredMatches) ? ignoredMatches.length : 0)
  );
};

/**
 * Normalizes a Grype JSON report (`grype IMAGE -o json`). Every match is a finding, and so is every one Grype's
 * own configuration ignored (`ignoredMatches`: ignore rules, `--only-fixed`, VEX): the policy's exceptions waive
 * findings, not the scanner's settings.
 * @throws ScannerReportValidationError naming the first bad field, e.g. `matches.3.vulnerability.severity`
 * @throws ReportLimitError for more than MAX_REPORT_FINDINGS matches
 */
export const parseGrypeReport = (input: unknown, source?: string): ScannerReport => {
  const subject = source === undefined ? {} : { subject: source };
  assertFindingCount(rawMatchCount(input));
  const parsed = grypeReportSchema.safeParse(input);
  if (!parsed.success)
    throw new ScannerReportValidationError('grype', toValidationIssues(parsed.error), subject);
  const report = parsed.data;

  let target: z.output<typeof imageTargetSchema> | undefined;
  if (report.source !== null && IMAGE_SOURCES.has(report.source.type)) {
    const image = imageTargetSchema.safeParse(report.source.target);
    if (!image.success) {
      const issues = toValidationIssues(image.error).map((issue) => ({
        field: issue.field === '(root)' ? 'source.target' : `source.target.${issue.field}`,
        message: issue.message,
      }));
      throw new ScannerReportValidationError('grype', issues, subject);
    }
    target = image.data;
  }

  const ignored = report.ignoredMatches ?? [];
  const findings = [...report.matches, ...ignored].map(toFinding);
  const notes =
    ignored.length === 0
      ? []
      : [
          `${ignored.length} ${ignored.length === 1 ? 'match' : 'matches'} Grype's configuration ignored (ignoredMatches) ${ignored.length === 1 ? 'is' : 'are'} judged like the others: waive them with a policy exception`,
        ];
  const otherTarget = report.source?.target;
  const artifactName =
    target?.userInput ?? (typeof otherTarget === 'string' && otherTarget !== '' ? otherTarget : undefined);
  const imageId = target?.imageID;
  const manifestDigest = target?.manifestDigest;
  const scannerVersion = text(report.descriptor.version);
  const completedAt = report.descriptor.timestamp;
  return {
    format: 'grype',
    scanner: 'GRYPE',
    ...(scannerVersion === undefined ? {} : { scannerVersion }),
    ...(artifactName === undefined ? {} : { artifactName }),
    digests: uniqueDigests([
      ...(target?.repoDigests ?? []).map(digestOfReference),
      isDigest(manifestDigest) ? manifestDigest : undefined,
    ]),
    ...(isDigest(imageId) ? { imageId } : {}),
    references: parseReferences([
      ...(target?.repoDigests ?? []),
      ...(target?.tags ?? []),
      ...(target?.userInput === undefined ? [] : [target.userInput]),
    ]),
    scan: {
      scanner: 'GRYPE',
      status: REPORT_SCAN_STATUS,
      ...(completedAt === undefined ? {} : { completedAt }),
      severityCounts: countBySeverity(findings),
    },
    findings,
    notes,
  };
};
