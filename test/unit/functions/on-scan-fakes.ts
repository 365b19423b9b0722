import type {
  DescribeImageScanFindingsCommandOutput,
  ImageScanFinding,
  EnhancedImageScanFinding,
} from '@aws-sdk/client-ecr';
import type { Digest, ImageRecord } from '../../../shared/core/domain';

export const REGISTRY = '123456789012.dkr.ecr.us-west-2.amazonaws.com';

export const pushedRecord = (
  repository: string,
  digest: Digest,
  overrides: Partial<ImageRecord> = {},
): ImageRecord => ({
  image: { registry: REGISTRY, repository, digest },
  tags: ['1.4.2'],
  status: 'PENDING_SCAN',
  manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  pushedAt: '2026-11-16T01:55:02.000Z',
  correlationId: 'push-event-id',
  version: 1,
  updatedAt: '2026-11-16T01:55:02.000Z',
  ...overrides,
});

export const basic = (name: string, severity: string, pkg: string, cvss?: string): ImageScanFinding => ({
  name,
  severity: severity as ImageScanFinding['severity'],
  uri: `https://security-tracker.debian.org/tracker/${name}`,
  attributes: [
    { key: 'package_name', value: pkg },
    { key: 'package_version', value: '1.0.0' },
    ...(cvss === undefined ? [] : [{ key: 'CVSS3_SCORE', value: cvss }]),
  ],
});

export const enhanced = (
  id: string,
  severity: string,
  pkg: string,
  score: number,
): EnhancedImageScanFinding => ({
  findingArn: `arn:aws:inspector2:us-west-2:123456789012:finding/${id}`,
  title: `${id} - ${pkg}`,
  severity,
  status: 'ACTIVE',
  fixAvailable: 'YES',
  exploitAvailable: 'NO',
  packageVulnerabilityDetails: {
    vulnerabilityId: id,
    source: 'NVD',
    cvss: [{ baseScore: score, version: '3.1', scoringVector: 'CVSS:3.1/AV:N', source: 'NVD' }],
    vulnerablePackages: [{ name: pkg, version: '2.0.0', fixedInVersion: '2.0.1' }],
  },
});

export interface ScanResultInput {
  readonly repository: string;
  readonly digest: Digest;
  readonly status?: string;
  readonly description?: string;
  readonly basic?: readonly ImageScanFinding[];
  readonly enhanced?: readonly EnhancedImageScanFinding[];
  /** Findings per page; each page but the last carries a nextToken. @default 1000 */
  readonly perPage?: number;
}

/** The DescribeImageScanFindings pages ECR would return for one image, as the SDK types them. */
export const scanPages = ({
  repository,
  digest,
  status = 'COMPLETE',
  description,
  basic: basicFindings,
  enhanced: enhancedFindings,
  perPage = 1000,
}: ScanResultInput): DescribeImageScanFindingsCommandOutput[] => {
  const all = [...(basicFindings ?? []), ...(enhancedFindings ?? [])];
  const count = Math.max(1, Math.ceil(all.length / perPage));
  return Array.from({ length: count }, (_, index) => {
    const slice = (list: readonly unknown[] | undefined, offset: number): unknown[] | undefined =>
      list === undefined
        ? undefined
        : list.slice(Math.max(0, index * perPage - offset), Math.max(0, (index + 1) * perPage - offset));
    const basicSlice = slice(basicFindings, 0) as ImageScanFinding[] | undefined;
    const enhancedSlice = slice(enhancedFindings, basicFindings?.length ?? 0) as
      EnhancedImageScanFinding[] | undefined;
    return {
      $metadata: { httpStatusCode: 200 },
      registryId: '123456789012',
      repositoryName: repository,
      imageId: { imageDigest: digest },
      imageScanStatus: { status: status as never, ...(description === undefined ? {} : { description }) },
      imageScanFindings: {
        imageScanCompletedAt: new Date('2026-11-16T01:56:10Z'),
        vulnerabilitySourceUpdatedAt: new Date('2026-11-15T00:00:00Z'),
        ...(basicSlice === undefined ? {} : { findings: basicSlice }),
        ...(enhancedSlice === undefined ? {} : { enhancedFindings: enhancedSlice }),
      },
      ...(index < count - 1 ? { nextToken: `page-${index + 1}` } : {}),
    };
  });
};
