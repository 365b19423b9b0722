import fc from 'fast-check';
import { loadSharedJson } from '../../../helpers/shared-data';

/** The real scanner reports in ../shared/scanners, read as their scanners wrote them. */
export const TRIVY_REPORTS = [
  'trivy-alpine-310.json',
  'trivy-centos-7-ignore-unfixed.json',
  'trivy-debian-buster.json',
  'trivy-distroless-base.json',
] as const;
export const GRYPE_REPORTS = ['grype-image.json', 'grype-empty.json'] as const;

export const loadReport = <T = Record<string, unknown>>(name: string): T =>
  loadSharedJson<T>('scanners', name);

/** A deep copy, so a test can change a real report without touching the others. */
export const copy = <T>(value: T): T => structuredClone(value);

/** The severities all three formats can say (Trivy has no negligible/informational, ECR no "unknown" but UNDEFINED). */
export const COMMON_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNDEFINED'] as const;

/**
 * One vulnerability as all three scanners could report it. `variant` picks among the spellings a format has for
 * the same thing (Trivy's four statuses that mean "no fix", Grype's severities in any case), so the property
 * covers them all.
 */
export interface FindingSpec {
  readonly id: string;
  readonly severity: (typeof COMMON_SEVERITIES)[number];
  readonly score?: number;
  readonly pkg: string;
  readonly version: string;
  readonly fix?: 'YES' | 'NO';
  readonly variant: number;
}

export const findingSpecArb: fc.Arbitrary<FindingSpec> = fc.record(
  {
    id: fc.constantFrom(
      'CVE-2026-0001',
      'CVE-2026-0002',
      'CVE-2026-0003',
      'CVE-2026-0004',
      'GHSA-xxxx-yyyy-zzzz',
    ),
    severity: fc.constantFrom(...COMMON_SEVERITIES),
    score: fc.integer({ min: 0, max: 100 }).map((tenths) => tenths / 10),
    pkg: fc.constantFrom('openssl', 'curl', 'zlib'),
    version: fc.constantFrom('1.0.0', '2.3.4-r1'),
    fix: fc.constantFrom('YES' as const, 'NO' as const),
    variant: fc.nat({ max: 11 }),
  },
  { requiredKeys: ['id', 'severity', 'pkg', 'version', 'variant'] },
);

export const DIGEST = `sha256:${'d'.repeat(64)}`;
export const REPOSITORY = 'team/app';
export const IMAGE = `registry.example/${REPOSITORY}@${DIGEST}`;

const FIXED_IN = '9.9.9';

/** As `aws ecr describe-image-scan-findings` prints an enhanced (Inspector) scan of it. */
export const ecrPage = (specs: readonly FindingSpec[]): unknown => ({
  registryId: '123456789012',
  repositoryName: REPOSITORY,
  imageId: { imageDigest: DIGEST },
  imageScanStatus: { status: 'COMPLETE' },
  imageScanFindings: {
    enhancedFindings: specs.map((spec) => ({
      severity: spec.severity,
      status: 'ACTIVE',
      ...(spec.fix === undefined ? {} : { fixAvailable: spec.fix }),
      packageVulnerabilityDetails: {
        vulnerabilityId: spec.id,
        cvss: spec.score === undefined ? [] : [{ baseScore: spec.score, source: 'NVD', version: '3.1' }],
        vulnerablePackages: [
          {
            name: spec.pkg,
            version: spec.version,
            ...(spec.fix === 'YES' ? { fixedInVersion: FIXED_IN } : {}),
          },
        ],
      },
    })),
  },
});

const TRIVY_NO_FIX = ['affected', 'will_not_fix', 'fix_deferred', 'end_of_life'] as const;
const TRIVY_UNKNOWN_FIX = [undefined, 'unknown', 'under_investigation', 'not_affected'] as const;

/** As `trivy image --format json` writes a scan of it, the findings split over two results. */
export const trivyReport = (specs: readonly FindingSpec[]): unknown => {
  const vulnerabilities = specs.map((spec) => {
    const status =
      spec.fix === 'YES'
        ? 'fixed'
        : spec.fix === 'NO'
          ? TRIVY_NO_FIX[spec.variant % TRIVY_NO_FIX.length]
          : TRIVY_UNKNOWN_FIX[spec.variant % TRIVY_UNKNOWN_FIX.length];
    return {
      VulnerabilityID: spec.id,
      PkgName: spec.pkg,
      InstalledVersion: spec.version,
      ...(spec.fix === 'YES' ? { FixedVersion: FIXED_IN } : {}),
      ...(status === undefined ? {} : { Status: status }),
      SeveritySource: 'nvd',
      Severity: spec.severity === 'UNDEFINED' ? 'UNKNOWN' : spec.severity,
      ...(spec.score === undefined
        ? {}
        : {
            CVSS: { nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: spec.score } },
          }),
    };
  });
  const half = Math.ceil(vulnerabilities.length / 2);
  return {
    SchemaVersion: 2,
    ArtifactName: IMAGE,
    ArtifactType: 'container_image',
    Metadata: { ImageID: `sha256:${'c'.repeat(64)}`, RepoDigests: [IMAGE] },
    Results: [
      {
        Target: 'app (debian 12)',
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: vulnerabilities.slice(0, half),
      },
      {
        Target: 'app/package-lock.json',
        Class: 'lang-pkgs',
        Type: 'npm',
        Vulnerabilities: vulnerabilities.slice(half),
      },
    ],
  };
};

const GRYPE_SEVERITY = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  UNDEFINED: 'Unknown',
} as const;
const GRYPE_NO_FIX = ['not-fixed', 'wont-fix'] as const;
const GRYPE_UNKNOWN_FIX = ['unknown', ''] as const;
const CASES = [
  (text: string) => text,
  (text: string) => text.toLowerCase(),
  (text: string) => text.toUpperCase(),
];

/** As `grype IMAGE -o json` writes a scan of it. */
export const grypeReport = (specs: readonly FindingSpec[]): unknown => ({
  matches: specs.map((spec) => ({
    vulnerability: {
      id: spec.id,
      dataSource: `https://nvd.nist.gov/vuln/detail/${spec.id}`,
      severity: (CASES[spec.variant % CASES.length] as (text: string) => string)(
        GRYPE_SEVERITY[spec.severity],
      ),
      urls: [],
      cvss:
        spec.score === undefined
          ? []
          : [
              {
                source: 'nvd',
                type: 'CVSS',
                version: '3.1',
                vector: 'CVSS:3.1/AV:N',
                metrics: { baseScore: spec.score },
              },
            ],
      fix:
        spec.fix === 'YES'
          ? { versions: [FIXED_IN], state: 'fixed' }
          : {
              versions: [],
              state:
                spec.fix === 'NO'
                  ? GRYPE_NO_FIX[spec.variant % GRYPE_NO_FIX.length]
                  : GRYPE_UNKNOWN_FIX[spec.variant % GRYPE_UNKNOWN_FIX.length],
            },
      advisories: [],
    },
    relatedVulnerabilities: [],
    matchDetails: [{ type: 'exact-direct-match', matcher: 'dpkg-matcher', searchedBy: {}, found: {} }],
    artifact: {
      id: 'x',
      name: spec.pkg,
      version: spec.version,
      type: 'deb',
      locations: [],
      licenses: [],
      cpes: [],
      purl: '',
    },
  })),
  source: {
    type: 'image',
    target: {
      userInput: IMAGE,
      imageID: `sha256:${'c'.repeat(64)}`,
      manifestDigest: DIGEST,
      tags: [],
      repoDigests: [IMAGE],
    },
  },
  distro: { name: 'debian', version: '12' },
  descriptor: { name: 'grype', version: '0.99.0', timestamp: '2026-12-01T10:00:00.123456789+01:00' },
});

export const RENDERERS = { ecr: ecrPage, trivy: trivyReport, grype: grypeReport } as const;
