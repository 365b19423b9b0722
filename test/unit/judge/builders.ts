import type { Digest, ImageRecord, ImageRef, Severity, Verdict } from '../../../shared/core/domain';
import { parseScanFindings, type ScanFindings } from '../../../shared/core/findings';
import { parsePolicy, type LoadedPolicy } from '../../../shared/core/policy';

export const REGISTRY = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
export const NOW = new Date('2026-12-01T12:00:00Z');
export const LATER = new Date('2026-12-02T12:00:00Z');
export const digestOf = (char: string): Digest => `sha256:${char.repeat(64)}` as Digest;
export const DIGEST = digestOf('a');

export const imageRef = (repository = 'payments/api', digest: Digest = DIGEST): ImageRef => ({
  registry: REGISTRY,
  repository,
  digest,
});

export const record = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  image: imageRef(),
  tags: ['1.4.2'],
  status: 'PENDING_SCAN',
  pushedAt: '2026-12-01T11:55:00.000Z',
  correlationId: 'push-event-id',
  version: 1,
  updatedAt: '2026-12-01T11:55:00.000Z',
  ...overrides,
});

/** The example policy of docs/policy.md: no CRITICAL or HIGH, CVSS ≤ 9, no known exploit. */
export const POLICY_TEXT = `
defaults:
  severityLimits: { CRITICAL: 0, HIGH: 0, MEDIUM: 20 }
  maxCvss: 9.0
  blockExploitAvailable: true
exceptions:
  - id: CVE-2026-0001
    repositories: ['payments/*']
    reason: accepted
    expires: 2027-01-31
repositories:
  - match: 'sandbox/*'
    mode: warn
`;
export const POLICY: LoadedPolicy = parsePolicy(POLICY_TEXT);
export const policyOf = (document: unknown): LoadedPolicy => parsePolicy(JSON.stringify(document));

export interface BasicFindingInput {
  readonly name: string;
  readonly severity: Severity;
  readonly pkg?: string;
  readonly cvss?: string;
}

export const basicFinding = ({ name, severity, pkg, cvss }: BasicFindingInput): Record<string, unknown> => ({
  name,
  severity,
  uri: `https://security-tracker.debian.org/tracker/${name}`,
  attributes: [
    ...(pkg === undefined
      ? []
      : [
          { key: 'package_name', value: pkg },
          { key: 'package_version', value: '1.0.0' },
        ]),
    ...(cvss === undefined ? [] : [{ key: 'CVSS3_SCORE', value: cvss }]),
  ],
});

export interface PageInput {
  readonly status?: string;
  readonly description?: string;
  readonly findings?: readonly Record<string, unknown>[];
  readonly nextToken?: string;
  readonly repository?: string;
  readonly digest?: Digest;
}

/** One DescribeImageScanFindings page, as the SDK returns it once through JSON. */
export const page = ({
  status = 'COMPLETE',
  description,
  findings = [],
  nextToken,
  repository = 'payments/api',
  digest = DIGEST,
}: PageInput = {}): Record<string, unknown> => ({
  registryId: '123456789012',
  repositoryName: repository,
  imageId: { imageDigest: digest },
  imageScanStatus: { status, ...(description === undefined ? {} : { description }) },
  imageScanFindings: {
    imageScanCompletedAt: '2026-12-01T11:58:00.000Z',
    vulnerabilitySourceUpdatedAt: '2026-12-01T00:00:00.000Z',
    findings,
  },
  ...(nextToken === undefined ? {} : { nextToken }),
});

export const scanOf = (...pages: Record<string, unknown>[]): ScanFindings => parseScanFindings(pages);

export const CRITICAL = basicFinding({
  name: 'CVE-2026-9999',
  severity: 'CRITICAL',
  pkg: 'openssl',
  cvss: '9.8',
});
export const LOW = basicFinding({ name: 'CVE-2026-1111', severity: 'LOW', pkg: 'zlib', cvss: '3.1' });

export const outcomeOf = (verdict: Verdict | undefined): string | undefined => verdict?.outcome;
