import { envelope, type EventEnvelope } from '../event-envelope';

export interface ScanEventInput {
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  readonly digest: string;
  readonly imageTags: readonly string[];
  readonly status: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly time: Date;
}

const repositoryArn = (input: ScanEventInput): string =>
  `arn:aws:ecr:${input.region}:${input.accountId}:repository/${input.repository}`;

/** `ECR Image Scan`, as basic scanning sends it when a scan ends. */
export const ecrImageScanEvent = (input: ScanEventInput): EventEnvelope =>
  envelope({
    source: 'aws.ecr',
    detailType: 'ECR Image Scan',
    resources: [repositoryArn(input)],
    accountId: input.accountId,
    region: input.region,
    time: input.time,
    detail: {
      'scan-status': input.status,
      'repository-name': input.repository,
      'finding-severity-counts': { ...input.counts },
      'image-digest': input.digest,
      'image-tags': [...input.imageTags],
    },
  });

/**
 * `Inspector2 Scan`, as Amazon Inspector sends it after its first scan of an image. Unlike ECR, it names
 * the repository by ARN, and always counts CRITICAL, HIGH and MEDIUM, plus a TOTAL.
 */
export const inspector2ScanEvent = (input: ScanEventInput): EventEnvelope =>
  envelope({
    source: 'aws.inspector2',
    detailType: 'Inspector2 Scan',
    resources: [repositoryArn(input)],
    accountId: input.accountId,
    region: input.region,
    time: input.time,
    detail: {
      'scan-status': 'INITIAL_SCAN_COMPLETE',
      'repository-name': repositoryArn(input),
      'finding-severity-counts': {
        CRITICAL: input.counts.CRITICAL ?? 0,
        HIGH: input.counts.HIGH ?? 0,
        MEDIUM: input.counts.MEDIUM ?? 0,
        TOTAL: Object.values(input.counts).reduce((sum, count) => sum + count, 0),
      },
      'image-digest': input.digest,
      'image-tags': [...input.imageTags],
      version: '1.0',
    },
  });
