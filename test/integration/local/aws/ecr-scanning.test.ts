import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  GetRegistryScanningConfigurationCommand,
  LimitExceededException,
  paginateDescribeImageScanFindings,
  PutRegistryScanningConfigurationCommand,
  ScanNotFoundException,
  StartImageScanCommand,
  UnsupportedImageTypeException,
  type DescribeImageScanFindingsCommandOutput,
} from '@aws-sdk/client-ecr';
import { EcrFindingsReader, SdkEcrControl } from '../../../../shared/adapters/aws/ecr';
import { parseImageScanEvent } from '../../../../shared/core/events';
import { parseScanFindings } from '../../../../shared/core/findings';
import { MediaType } from '../../../../shared/adapters/oci';
import { eventsOf, pushImage, startFixture, waitFor, type Fixture, type LabelFinding } from './fixture';

jest.setTimeout(30_000);

const FIVE: readonly LabelFinding[] = [
  {
    name: 'CVE-2026-0001',
    severity: 'CRITICAL',
    package: 'openssl',
    version: '3.0.1',
    fixedIn: '3.0.9',
    cvss: 9.8,
  },
  { name: 'CVE-2026-0002', severity: 'HIGH', package: 'zlib', version: '1.2.11' },
  { name: 'CVE-2026-0003', severity: 'MEDIUM', package: 'curl', version: '7.1' },
  { name: 'CVE-2026-0004', severity: 'MEDIUM' },
  { name: 'CVE-2026-0005', severity: 'LOW', package: 'bash' },
];

const MANUAL = { scanType: 'BASIC' as const, rules: [] };

describe('the AWS stand-in: simulated basic scanning', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(async () => fixture?.stop());

  const scanEvent = (digest: string) =>
    waitFor(() => eventsOf(fixture.standIn, 'ECR Image Scan', digest)[0], `the scan event of ${digest}`);

  it('scans on push by default and announces an ECR Image Scan event with severity counts', async () => {
    expect(await fixture.ecr.send(new GetRegistryScanningConfigurationCommand({}))).toMatchObject({
      registryId: '000000000000',
      scanningConfiguration: {
        scanType: 'BASIC',
        rules: [
          { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
        ],
      },
    });
    const image = await pushImage(fixture.oci, 'payments/api', { tag: '1.4.2', findings: FIVE });
    const { event } = await scanEvent(image.digest);
    expect(event).toMatchObject({
      'detail-type': 'ECR Image Scan',
      source: 'aws.ecr',
      resources: ['arn:aws:ecr:us-east-1:000000000000:repository/payments/api'],
      detail: {
        'scan-status': 'COMPLETE',
        'repository-name': 'payments/api',
        'finding-severity-counts': { CRITICAL: 1, HIGH: 1, MEDIUM: 2, LOW: 1 },
        'image-digest': image.digest,
        'image-tags': ['1.4.2'],
      },
    });
    expect(parseImageScanEvent(event)).toMatchObject({ status: 'COMPLETE' });
    expect(fixture.logs.some((line) => line.includes('SIMULATED'))).toBe(true);
    // Written behind the change (STATE_WRITE_DELAY_MS), so read once it is there.
    const scans = join(fixture.stateDir, 'aws', 'ecr', 'scans.json');
    const state = await waitFor(
      () =>
        existsSync(scans) ? (JSON.parse(readFileSync(scans, 'utf8')) as { simulated: boolean }) : undefined,
      'the scans file',
    );
    expect(state.simulated).toBe(true);
    const described = await fixture.ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'payments/api',
        imageIds: [{ imageDigest: image.digest }],
      }),
    );
    expect(described.imageDetails?.[0]).toMatchObject({
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 1, HIGH: 1, MEDIUM: 2, LOW: 1 } },
    });
  });

  it('paginates DescribeImageScanFindings with maxResults and nextToken', async () => {
    const image = await pushImage(fixture.oci, 'team/paged', { tag: 'v1', findings: FIVE });
    await scanEvent(image.digest);
    const pages: DescribeImageScanFindingsCommandOutput[] = [];
    for await (const page of paginateDescribeImageScanFindings(
      { client: fixture.ecr, pageSize: 2 },
      { repositoryName: 'team/paged', imageId: { imageDigest: image.digest } },
    )) {
      pages.push(page);
    }
    expect(pages.map((page) => page.imageScanFindings?.findings?.length)).toEqual([2, 2, 1]);
    expect(pages.slice(0, 2).every((page) => typeof page.nextToken === 'string')).toBe(true);
    expect(pages[2]?.nextToken).toBeUndefined();
    const first = pages[0]!;
    expect(first.imageScanStatus?.status).toBe('COMPLETE');
    expect(first.imageScanFindings?.imageScanCompletedAt).toBeInstanceOf(Date);
    expect(first.imageScanFindings?.vulnerabilitySourceUpdatedAt).toBeInstanceOf(Date);
    expect(first.imageScanFindings?.findings?.[0]).toEqual({
      name: 'CVE-2026-0001',
      severity: 'CRITICAL',
      attributes: [
        { key: 'package_name', value: 'openssl' },
        { key: 'package_version', value: '3.0.1' },
        { key: 'CVSS3_SCORE', value: '9.8' },
      ],
    });
    // What the pipeline reads: every page, parsed into the five findings.
    const read = await new EcrFindingsReader(fixture.ecr).read({
      repository: 'team/paged',
      digest: image.digest,
    });
    expect(read.kind).toBe('found');
    if (read.kind !== 'found') return;
    const parsed = parseScanFindings(read.pages);
    expect(parsed.findings.map((finding) => finding.id).sort()).toEqual(FIVE.map((finding) => finding.name));
  });

  it('refuses a forged nextToken', async () => {
    const image = await pushImage(fixture.oci, 'team/token', { findings: FIVE });
    await scanEvent(image.digest);
    await expect(
      fixture.ecr.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: 'team/token',
          imageId: { imageDigest: image.digest },
          nextToken: 'bm9wZQ==',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('throws ScanNotFoundException before a manual scan, then LimitExceededException for a second one', async () => {
    fixture.standIn.ecr.setScanningConfiguration(MANUAL);
    try {
      const image = await pushImage(fixture.oci, 'team/manual', { tag: 'v1', findings: FIVE.slice(0, 1) });
      await waitFor(() => eventsOf(fixture.standIn, 'ECR Image Action', image.digest)[0], 'the push');
      await fixture.standIn.settled();
      const imageId = { imageDigest: image.digest };
      await expect(
        fixture.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'team/manual', imageId })),
      ).rejects.toBeInstanceOf(ScanNotFoundException);
      const started = await fixture.ecr.send(
        new StartImageScanCommand({ repositoryName: 'team/manual', imageId }),
      );
      expect(started.imageScanStatus?.status).toBe('IN_PROGRESS');
      await expect(
        fixture.ecr.send(new StartImageScanCommand({ repositoryName: 'team/manual', imageId })),
      ).rejects.toBeInstanceOf(LimitExceededException);
      // The production adapter reads the scan status after the limit, as it does against ECR.
      await fixture.standIn.settled();
      await expect(
        new SdkEcrControl(fixture.ecr).startImageScan('team/manual', image.digest),
      ).resolves.toEqual({
        kind: 'limit-exceeded',
        status: 'COMPLETE',
      });
      await scanEvent(image.digest);
    } finally {
      fixture.standIn.ecr.setScanningConfiguration({
        scanType: 'BASIC',
        rules: [
          { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
        ],
      });
    }
  });

  it('refuses to scan an artifact, which ECR cannot scan either', async () => {
    fixture.standIn.ecr.setScanningConfiguration(MANUAL);
    try {
      const artifact = await pushImage(fixture.oci, 'team/artifact', {
        configMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      });
      await expect(
        fixture.ecr.send(
          new StartImageScanCommand({
            repositoryName: 'team/artifact',
            imageId: { imageDigest: artifact.digest },
          }),
        ),
      ).rejects.toBeInstanceOf(UnsupportedImageTypeException);
    } finally {
      fixture.standIn.ecr.setScanningConfiguration({
        scanType: 'BASIC',
        rules: [
          { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
        ],
      });
    }
  });

  it('lets tests force the status of a finished scan', async () => {
    const failing = await pushImage(fixture.oci, 'team/filed', { tag: 'bad', findings: FIVE });
    await scanEvent(failing.digest);
    fixture.standIn.ecr.setScanStatus(
      'team/filed',
      failing.digest,
      'FAILED',
      'UnsupportedImageError: simulated',
    );
    const afterForce = await fixture.ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: 'team/filed',
        imageId: { imageDigest: failing.digest },
      }),
    );
    expect(afterForce.imageScanStatus).toEqual({
      status: 'FAILED',
      description: 'UnsupportedImageError: simulated',
    });
  });

  it('stops announcing scans when scanEvents is false, while the findings stay readable', async () => {
    const quiet = await startFixture({ scanEvents: false });
    try {
      const image = await pushImage(quiet.oci, 'team/quiet', { tag: 'v1', findings: FIVE });
      await waitFor(() => eventsOf(quiet.standIn, 'ECR Image Action', image.digest)[0], 'the push');
      await waitFor(
        () => (quiet.standIn.ecr.scan('team/quiet', image.digest)?.completedAt ? true : undefined),
        'the scan',
      );
      await quiet.standIn.settled();
      expect(eventsOf(quiet.standIn, 'ECR Image Scan')).toEqual([]);
      const findings = await quiet.ecr.send(
        new DescribeImageScanFindingsCommand({ repositoryName: 'team/quiet', imageId: { imageTag: 'v1' } }),
      );
      expect(findings.imageScanFindings?.findings).toHaveLength(5);
    } finally {
      await quiet.stop();
    }
  });
});

describe('the AWS stand-in: a findings file', () => {
  let fixture: Fixture;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-findings-'));
  const file = join(dir, 'findings.json');

  beforeAll(async () => {
    writeFileSync(file, '{}');
    fixture = await startFixture({ findingsFile: file, scanDelayMs: 50 });
  });
  afterAll(async () => {
    await fixture?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wins over the label, with its status and exact basic findings', async () => {
    // The digest is known only after the push, and the scan runs on push: stop scanning until the file is written.
    fixture.standIn.ecr.setScanningConfiguration(MANUAL);
    const image = await pushImage(fixture.oci, 'team/file', { tag: 'v1', findings: FIVE });
    const finding = {
      name: 'CVE-2025-9999',
      severity: 'HIGH',
      uri: 'https://example.test/CVE-2025-9999',
      attributes: [{ key: 'package_name', value: 'glibc' }],
    };
    writeFileSync(
      file,
      JSON.stringify({ [`team/file@${image.digest}`]: { status: 'FAILED', findings: [finding] } }),
    );
    await fixture.ecr.send(
      new StartImageScanCommand({ repositoryName: 'team/file', imageId: { imageTag: 'v1' } }),
    );
    // In progress for scanDelayMs.
    const during = await fixture.ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'team/file', imageId: { imageTag: 'v1' } }),
    );
    expect(during.imageScanStatus?.status).toBe('IN_PROGRESS');
    expect(during.imageScanFindings).toBeUndefined();
    const { event } = await waitFor(
      () => eventsOf(fixture.standIn, 'ECR Image Scan', image.digest)[0],
      'the scan',
    );
    expect(event.detail['scan-status']).toBe('FAILED');
    const after = await fixture.ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'team/file', imageId: { imageTag: 'v1' } }),
    );
    expect(after.imageScanStatus?.status).toBe('FAILED');
    expect(after.imageScanFindings?.findings).toEqual([finding]);
  });
});

describe('the AWS stand-in: simulated enhanced scanning', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({
      scanning: {
        scanType: 'ENHANCED',
        rules: [
          {
            scanFrequency: 'CONTINUOUS_SCAN',
            repositoryFilters: [{ filter: 'web/*', filterType: 'WILDCARD' }],
          },
        ],
      },
    });
  });
  afterAll(async () => fixture?.stop());

  it('announces an Inspector2 Scan event and serves enhancedFindings', async () => {
    const image = await pushImage(fixture.oci, 'web/frontend', { tag: 'latest', findings: FIVE.slice(0, 3) });
    const { event } = await waitFor(
      () => eventsOf(fixture.standIn, 'Inspector2 Scan', image.digest)[0],
      'the Inspector2 Scan event',
    );
    const sample = JSON.parse(
      readFileSync('/work/shared/events/inspector2-scan-initial-complete.json', 'utf8'),
    ) as {
      detail: Record<string, unknown>;
    };
    expect(Object.keys(event.detail).sort()).toEqual(Object.keys(sample.detail).sort());
    expect(event).toMatchObject({
      source: 'aws.inspector2',
      resources: ['arn:aws:ecr:us-east-1:000000000000:repository/web/frontend'],
      detail: {
        'scan-status': 'INITIAL_SCAN_COMPLETE',
        'repository-name': 'arn:aws:ecr:us-east-1:000000000000:repository/web/frontend',
        'finding-severity-counts': { CRITICAL: 1, HIGH: 1, MEDIUM: 1, TOTAL: 3 },
        'image-digest': image.digest,
        'image-tags': ['latest'],
        version: '1.0',
      },
    });
    expect(parseImageScanEvent(event)).toMatchObject({ repository: 'web/frontend' });
    const findings = await fixture.ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: 'web/frontend',
        imageId: { imageDigest: image.digest },
      }),
    );
    expect(findings.imageScanStatus?.status).toBe('ACTIVE');
    expect(findings.imageScanFindings?.findings).toBeUndefined();
    expect(findings.imageScanFindings?.enhancedFindings?.[0]).toMatchObject({
      severity: 'CRITICAL',
      status: 'ACTIVE',
      fixAvailable: 'YES',
      packageVulnerabilityDetails: {
        vulnerabilityId: 'CVE-2026-0001',
        cvss: [{ baseScore: 9.8 }],
        vulnerablePackages: [{ name: 'openssl', version: '3.0.1', fixedInVersion: '3.0.9' }],
      },
    });
    const { $metadata: _metadata, ...page } = findings;
    const parsed = parseScanFindings(JSON.parse(JSON.stringify(page)) as unknown);
    expect(parsed.findings.find((finding) => finding.id === 'CVE-2026-0001')).toMatchObject({
      severity: 'CRITICAL',
      fixedInVersion: '3.0.9',
      cvss: { score: 9.8 },
    });
  });

  it('does not scan repositories no rule names, and refuses StartImageScan', async () => {
    const image = await pushImage(fixture.oci, 'other/thing', { tag: 'v1' });
    await waitFor(() => eventsOf(fixture.standIn, 'ECR Image Action', image.digest)[0], 'the push');
    await fixture.standIn.settled();
    expect(fixture.standIn.ecr.scan('other/thing', image.digest)).toBeUndefined();
    await expect(
      fixture.ecr.send(
        new StartImageScanCommand({ repositoryName: 'other/thing', imageId: { imageTag: 'v1' } }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('lets PutRegistryScanningConfiguration change it, validated like ECR', async () => {
    await expect(
      fixture.ecr.send(
        new PutRegistryScanningConfigurationCommand({
          scanType: 'BASIC',
          rules: [
            {
              scanFrequency: 'CONTINUOUS_SCAN',
              repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }],
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await fixture.ecr.send(
      new PutRegistryScanningConfigurationCommand({
        scanType: 'BASIC',
        rules: [
          {
            scanFrequency: 'SCAN_ON_PUSH',
            repositoryFilters: [{ filter: 'other/*', filterType: 'WILDCARD' }],
          },
        ],
      }),
    );
    const scanning = await new SdkEcrControl(fixture.ecr).scanningConfiguration();
    expect(scanning).toEqual({
      scanType: 'BASIC',
      rules: [
        { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'other/*', filterType: 'WILDCARD' }] },
      ],
    });
  });

  it('scans the children of a pushed index, not the index', async () => {
    fixture.standIn.ecr.setScanningConfiguration({
      scanType: 'BASIC',
      rules: [
        { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
      ],
    });
    // Children pushed while nothing scans, so only the index push can start their scans.
    const quietScanning = { scanType: 'BASIC' as const, rules: [] };
    fixture.standIn.ecr.setScanningConfiguration(quietScanning);
    const amd = await pushImage(fixture.oci, 'team/multi', { findings: FIVE.slice(0, 1) });
    const arm = await pushImage(fixture.oci, 'team/multi', { findings: FIVE.slice(1, 2) });
    await waitFor(() => eventsOf(fixture.standIn, 'ECR Image Action', arm.digest)[0], 'the child push');
    await fixture.standIn.settled();
    fixture.standIn.ecr.setScanningConfiguration({
      scanType: 'BASIC',
      rules: [
        { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
      ],
    });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [amd, arm].map((child) => ({
          mediaType: MediaType.ociManifest,
          digest: child.digest,
          size: child.bytes.length,
        })),
      }),
    );
    const { digest } = await fixture.oci.putManifest('team/multi', 'v2', {
      mediaType: MediaType.ociIndex,
      bytes: index,
    });
    const push = await waitFor(
      () => eventsOf(fixture.standIn, 'ECR Image Action', digest)[0],
      'the index push',
    );
    expect(push.event.detail['manifest-media-type']).toBe(MediaType.ociIndex);
    expect(push.event.detail).not.toHaveProperty('artifact-media-type');
    await waitFor(() => eventsOf(fixture.standIn, 'ECR Image Scan', amd.digest)[0], 'the amd64 scan');
    await waitFor(() => eventsOf(fixture.standIn, 'ECR Image Scan', arm.digest)[0], 'the arm64 scan');
    await fixture.standIn.settled();
    expect(eventsOf(fixture.standIn, 'ECR Image Scan', digest)).toEqual([]);
  });
});
