import {
  DescribeImageScanFindingsCommand,
  ECRClient,
  ImageNotFoundException,
  ScanNotFoundException,
  type DescribeImageScanFindingsCommandOutput,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrFindingsReader, FINDINGS_PAGE_SIZE } from '../../../../shared/adapters/aws/ecr';
import { DependencyUnavailableError, RetryableError, type Digest } from '../../../../shared/core/domain';
import { parseScanFindings } from '../../../../shared/core/findings';

const ecr = mockClient(ECRClient);
const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
const IMAGE = { repository: 'payments/api', digest: DIGEST };
const reader = (): EcrFindingsReader => new EcrFindingsReader(new ECRClient({}));

const sdkPage = (names: string[], nextToken?: string): DescribeImageScanFindingsCommandOutput => ({
  $metadata: { httpStatusCode: 200, requestId: 'r' },
  registryId: '123456789012',
  repositoryName: 'payments/api',
  imageId: { imageDigest: DIGEST },
  imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
  imageScanFindings: {
    // The SDK gives Dates; the reader must hand on what a saved response holds.
    imageScanCompletedAt: new Date('2026-12-01T11:58:00Z'),
    findings: names.map((name) => ({
      name,
      severity: 'HIGH',
      attributes: [{ key: 'package_name', value: 'openssl' }],
    })),
  },
  ...(nextToken === undefined ? {} : { nextToken }),
});

beforeEach(() => ecr.reset());

describe('EcrFindingsReader', () => {
  it('reads every page, 1000 findings at a time, following nextToken', async () => {
    const responses = [sdkPage(['CVE-1', 'CVE-2'], 't1'), sdkPage(['CVE-3'], 't2'), sdkPage(['CVE-4'])];
    // The SDK paginator updates one input object in place, so each input is copied as it is sent.
    const sent: Record<string, unknown>[] = [];
    ecr.on(DescribeImageScanFindingsCommand).callsFake((input: Record<string, unknown>) => {
      sent.push({ ...input });
      return Promise.resolve(responses.shift());
    });
    const read = await reader().read(IMAGE);

    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 3);
    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, {
      repositoryName: 'payments/api',
      imageId: { imageDigest: DIGEST },
      maxResults: FINDINGS_PAGE_SIZE,
    });
    expect(sent.map((input) => [input.maxResults, input.nextToken])).toEqual([
      [1000, undefined],
      [1000, 't1'],
      [1000, 't2'],
    ]);
    expect(read.kind).toBe('found');
    if (read.kind !== 'found') return;
    expect(read.pages).toHaveLength(3);
    expect(read.pages[0]).not.toHaveProperty('$metadata');
    const scan = parseScanFindings(read.pages);
    expect(scan.findings.map((finding) => finding.id)).toEqual(['CVE-1', 'CVE-2', 'CVE-3', 'CVE-4']);
    expect(scan.scan).toMatchObject({ status: 'COMPLETE', completedAt: '2026-12-01T11:58:00.000Z' });
    expect(scan.truncated).toBe(false);
  });

  it.each([
    ['ScanNotFoundException', new ScanNotFoundException({ message: 'no scan for the image', $metadata: {} })],
    ['ImageNotFoundException', new ImageNotFoundException({ message: 'no such image', $metadata: {} })],
  ])('answers not-found for %s', async (_name, error) => {
    ecr.on(DescribeImageScanFindingsCommand).rejects(error);
    expect(await reader().read(IMAGE)).toEqual({ kind: 'not-found', message: error.message });
  });

  it.each([
    [
      'throttling',
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $retryable: { throttling: true },
      }),
    ],
    ['a 5xx', Object.assign(new Error('Internal'), { name: 'ServerException', $fault: 'server' })],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    [
      'throttling without SDK markers',
      Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }),
    ],
  ])(
    'turns %s that outlasted the SDK retries into a retryable error keeping the cause',
    async (_name, error) => {
      ecr.on(DescribeImageScanFindingsCommand).rejects(error);
      const failing = reader().read(IMAGE);
      await expect(failing).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(failing).rejects.toBeInstanceOf(RetryableError);
      await expect(failing).rejects.toMatchObject({ cause: error, code: 'DEPENDENCY_UNAVAILABLE' });
    },
  );

  it.each([
    [
      'AccessDeniedException',
      Object.assign(new Error('not allowed'), { name: 'AccessDeniedException', $fault: 'client' }),
    ],
    ['a non-Error', { unexpected: true }],
  ])('lets %s through as it is', async (_name, error) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error is the case under test
    ecr.on(DescribeImageScanFindingsCommand).callsFake(() => Promise.reject(error));
    await expect(reader().read(IMAGE)).rejects.toBe(error);
  });
});
