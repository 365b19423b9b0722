import { resolve } from 'node:path';
import { DescribeImageScanFindingsCommand, ECRClient, ScanNotFoundException } from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ConcurrentUpdateError, type Digest } from '../../../shared/core/domain';
import { resetSettingsCache } from '../../../shared/adapters/runtime';
import { loadSampleEvent, sampleEventNames } from '../../helpers/shared-data';
import { expectValidVerdictEvent } from '../events/verdict-event-schema';
import type { OnScanResult } from '../../../functions/on-scan/handler';
import { VerdictTable } from '../../doubles';
import { REGISTRY, basic, enhanced, pushedRecord, scanPages, type ScanResultInput } from './on-scan-fakes';

const REPO_ROOT = resolve(__dirname, '../../..');
const CLEAN = 'sha256:0a8f2a1c6b7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081' as Digest;
const VULNERABLE = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd' as Digest;
const FRONTEND = 'sha256:3c1e9b7a5d3f1e9c7b5a3d1f9e7c5b3a1d9f7e5c3b1a9d7f5e3c1b9a7d5f3e1c' as Digest;

const dynamo = mockClient(DynamoDBDocumentClient);
const ecr = mockClient(ECRClient);
const eventBridge = mockClient(EventBridgeClient);
let table: VerdictTable;
let scans: Map<string, ScanResultInput>;
let handler: (event: unknown, context: Context) => Promise<OnScanResult>;
let metricNames: string[];

const context = {
  functionName: 'tollgate-on-scan',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:tollgate-on-scan',
  memoryLimitInMB: '512',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const config = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({ repositories: ['payments/*', 'web/*'], ...overrides });

const ENV = {
  TOLLGATE_POLICY_FILE: resolve(REPO_ROOT, 'tollgate.policy.yaml'),
  TOLLGATE_TABLE_NAME: 'tollgate-verdicts',
  TOLLGATE_BUS_NAME: 'tollgate',
  AWS_REGION: 'us-west-2',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** The handler caches its settings and adapters per container; each case starts from a cold one. */
const coldStart = (configJson = config()): void => {
  process.env.TOLLGATE_CONFIG = configJson;
  resetSettingsCache();
  resetAdapters();
};

let resetAdapters: () => void;

beforeAll(async () => {
  Object.assign(process.env, ENV);
  // Imported once the environment is set: Powertools reads it when the handler module loads.
  ({ handler, resetAdapters } = await import('../../../functions/on-scan/handler'));
});

const sample = (name: string): Record<string, unknown> => structuredClone(loadSampleEvent(name));
const withDetail = (name: string, detail: Record<string, unknown>): Record<string, unknown> => {
  const event = sample(name);
  return { ...event, detail: { ...(event.detail as Record<string, unknown>), ...detail } };
};

const updates = (): UpdateCommandInput[] =>
  dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
/** The writes of a verdict, and the clearing of its announcement flag, by what they change. */
const verdictWrites = (): UpdateCommandInput[] =>
  updates().filter((input) => VerdictTable.changes(input).set.includes('verdict'));
const announcements = (): UpdateCommandInput[] =>
  updates().filter((input) => VerdictTable.changes(input).remove.includes('announcementPending'));

const putEntries = (): PutEventsRequestEntry[] =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
const published = (): { detailType: string | undefined; detail: Record<string, unknown> }[] =>
  putEntries().map((entry) => ({
    detailType: entry.DetailType,
    detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
  }));

/** Criticals and mediums as in ecr-image-scan-complete.json (10 CRITICAL, 9 MEDIUM), over 3 pages. */
const vulnerableScan: ScanResultInput = {
  repository: 'payments/api',
  digest: VULNERABLE,
  perPage: 8,
  basic: [
    ...Array.from({ length: 10 }, (_, n) =>
      basic(`CVE-2026-10${String(n).padStart(2, '0')}`, 'CRITICAL', 'openssl', '9.8'),
    ),
    ...Array.from({ length: 9 }, (_, n) =>
      basic(`CVE-2026-20${String(n).padStart(2, '0')}`, 'MEDIUM', 'zlib', '5.0'),
    ),
  ],
};

beforeEach(() => {
  dynamo.reset();
  ecr.reset();
  eventBridge.reset();
  metricNames = [];
  table = new VerdictTable().serve(dynamo);
  scans = new Map();
  // Input is copied per call: the SDK paginator updates one input object in place.
  ecr
    .on(DescribeImageScanFindingsCommand)
    .callsFake((input: { imageId?: { imageDigest?: string }; nextToken?: string }) => {
      const scan = scans.get(input.imageId?.imageDigest ?? '');
      if (scan === undefined) {
        return Promise.reject(
          new ScanNotFoundException({ message: 'Image scan does not exist for the image', $metadata: {} }),
        );
      }
      const pages = scanPages(scan);
      return Promise.resolve(
        pages[input.nextToken === undefined ? 0 : Number(input.nextToken.split('-')[1])],
      );
    });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  jest.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics, name: string) {
    metricNames.push(name);
    return this;
  });
  // Nothing is stored, so nothing to flush (and no "no metrics" warning on every case).
  jest.spyOn(Metrics.prototype, 'publishStoredMetrics').mockImplementation(function (this: Metrics) {
    return this;
  });
  coldStart();
});

afterEach(() => jest.restoreAllMocks());

describe('on-scan: ECR Image Scan', () => {
  it('rejects the vulnerable sample image, reading all 3 pages, and publishes the verdict listing its findings', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    scans.set(VULNERABLE, vulnerableScan);

    const result = await handler(sample('ecr-image-scan-complete.json'), context);

    expect(result).toMatchObject({
      kind: 'judged',
      replay: false,
      outcomes: [{ kind: 'decided', verdict: { outcome: 'REJECTED' } }],
    });
    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 3);
    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, {
      repositoryName: 'payments/api',
      imageId: { imageDigest: VULNERABLE },
      maxResults: 1000,
    });
    // One verdict write, conditional on the version it read: it holds on the record as pushed, not on a newer one.
    const [write, ...more] = verdictWrites();
    expect(more).toEqual([]);
    expect(write).toMatchObject({
      TableName: 'tollgate-verdicts',
      Key: { pk: `image#payments/api@${VULNERABLE}`, sk: 'verdict' },
    });
    const pushed = pushedRecord('payments/api', VULNERABLE);
    expect(VerdictTable.conditionHolds(write!, pushed)).toBe(true);
    expect(VerdictTable.conditionHolds(write!, { ...pushed, version: 2 })).toBe(false);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'tollgate',
          Source: 'tollgate',
          DetailType: 'Tollgate Image Verdict',
        }),
      ],
    });
    const [event] = published();
    expectValidVerdictEvent(event?.detail);
    expect(event?.detail).toMatchObject({
      verdict: 'REJECTED',
      image: { registry: REGISTRY, repository: 'payments/api', digest: VULNERABLE, tags: ['1.4.2'] },
      scan: { type: 'ECR_BASIC', status: 'COMPLETE', severityCounts: { CRITICAL: 10, MEDIUM: 9 } },
      blockingTotal: 10,
      correlationId: '85fc3613-e913-7fc4-a80c-a3753e4aa9ae',
    });
    expect((event?.detail.blocking as { id: string }[]).map((finding) => finding.id)).toEqual(
      Array.from({ length: 10 }, (_, n) => `CVE-2026-10${String(n).padStart(2, '0')}`),
    );
    expect(table.record('payments/api', VULNERABLE)).toMatchObject({
      status: 'DECIDED',
      version: 2,
      verdict: { outcome: 'REJECTED' },
    });
    expect(metricNames).toEqual(
      expect.arrayContaining(['Judge_decided', 'Verdicts', 'EventsPublished', 'PushToVerdictSeconds']),
    );
  });

  it('approves the clean sample image and hands it to signing, publishing no verdict itself', async () => {
    table.seed(pushedRecord('payments/api', CLEAN, { tags: [] }));
    scans.set(CLEAN, { repository: 'payments/api', digest: CLEAN, basic: [] });

    await handler(sample('ecr-image-scan-complete-clean.json'), context);

    expect(published()).toEqual([
      {
        detailType: 'Tollgate Signing Requested',
        detail: {
          action: 'sign',
          registry: REGISTRY,
          repository: 'payments/api',
          digest: CLEAN,
          correlationId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9',
        },
      },
    ]);
    expect(table.record('payments/api', CLEAN)?.verdict).toMatchObject({
      outcome: 'APPROVED',
      blockingTotal: 0,
    });
  });

  it('publishes an APPROVED verdict directly when no signature format is configured', async () => {
    coldStart(config({ signatures: { formats: [] } }));
    table.seed(pushedRecord('payments/api', CLEAN));
    scans.set(CLEAN, { repository: 'payments/api', digest: CLEAN, basic: [] });
    await handler(sample('ecr-image-scan-complete-clean.json'), context);
    expect(published().map((event) => [event.detailType, event.detail.verdict])).toEqual([
      ['Tollgate Image Verdict', 'APPROVED'],
    ]);
    expectValidVerdictEvent(published()[0]?.detail);
  });

  it('gives ERROR for a FAILED scan, with the status, and never asks for a signature', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    scans.set(VULNERABLE, {
      repository: 'payments/api',
      digest: VULNERABLE,
      status: 'FAILED',
      description: 'UnsupportedImageError',
    });

    await handler(
      withDetail('ecr-image-scan-complete.json', { 'scan-status': 'FAILED', 'finding-severity-counts': {} }),
      context,
    );

    const events = published();
    expect(events.map((event) => event.detailType)).toEqual(['Tollgate Image Verdict']);
    expect(events[0]?.detail).toMatchObject({
      verdict: 'ERROR',
      error: { code: 'SCAN_FAILED', message: 'scan status FAILED: UnsupportedImageError' },
      scan: { status: 'FAILED' },
    });
    expectValidVerdictEvent(events[0]?.detail);
  });

  it('gives ERROR for an UNSUPPORTED_IMAGE event when ECR has no scan on record', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    await handler(
      withDetail('ecr-image-scan-complete.json', { 'scan-status': 'UNSUPPORTED_IMAGE' }),
      context,
    );
    expect(published()[0]?.detail).toMatchObject({
      verdict: 'ERROR',
      error: { message: expect.stringContaining('UNSUPPORTED_IMAGE') as unknown },
    });
  });

  it('changes nothing for a duplicate or late event with the same findings', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    scans.set(VULNERABLE, vulnerableScan);
    await handler(sample('ecr-image-scan-complete.json'), context);
    const late = {
      ...sample('ecr-image-scan-complete.json'),
      id: 'late-delivery',
      time: '2026-11-16T03:00:00Z',
    };

    const result = await handler(late, context);

    expect(result).toMatchObject({ outcomes: [{ kind: 'unchanged' }] });
    // The first delivery's verdict write and its announcement; nothing for the late one.
    expect(verdictWrites()).toHaveLength(1);
    expect(announcements()).toHaveLength(1);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(table.record('payments/api', VULNERABLE)?.version).toBe(2);
  });

  it('creates nothing for an image never pushed through Tollgate: log, metric, skip', async () => {
    const result = await handler(sample('ecr-image-scan-complete.json'), context);
    expect(result).toEqual({ kind: 'judged', replay: false, outcomes: [{ kind: 'unknown-image' }] });
    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 0);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(metricNames).toContain('UnknownImages');
  });

  it('re-examines a replayed event without writing, signing or alerting', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    scans.set(VULNERABLE, vulnerableScan);
    const replay = { ...sample('ecr-image-scan-complete.json'), 'replay-name': 'audit-2026-11' };

    const result = await handler(replay, context);

    expect(result).toMatchObject({
      kind: 'judged',
      replay: true,
      outcomes: [{ kind: 'decided', dryRun: true, published: [] }],
    });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(metricNames).toContain('ReplayedEvents');
    expect(metricNames).not.toContain('Verdicts');
    expect(metricNames).not.toContain('EventsPublished');
  });

  it('logs a malformed event with a metric and returns, so it is not retried', async () => {
    const result = await handler(
      withDetail('ecr-image-scan-complete.json', { 'image-digest': 'sha256:nope' }),
      context,
    );
    expect(result).toEqual({ kind: 'malformed', code: 'MALFORMED_EVENT' });
    expect(await handler({ 'detail-type': 'Something Else' }, context)).toEqual({
      kind: 'malformed',
      code: 'UNKNOWN_DETAIL_TYPE',
    });
    expect(metricNames.filter((name) => name === 'MalformedEvents')).toHaveLength(2);
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('throws ConcurrentUpdateError when the record changed under it, so Lambda retries', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    scans.set(VULNERABLE, vulnerableScan);
    // Another writer gets in before each of its writes: the record is always a version ahead of what it read.
    dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      const record = table.record('payments/api', VULNERABLE)!;
      table.seed({ ...record, version: record.version + 1 });
      return table.update(input);
    });
    await expect(handler(sample('ecr-image-scan-complete.json'), context)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it('skips the scan of an attachment, known by its tags, without reading the table', async () => {
    const sig = `sha256-${VULNERABLE.slice('sha256:'.length)}.sig`;
    const event = withDetail('ecr-image-scan-complete.json', {
      'image-tags': [sig, sig.replace(/sig$/, 'att')],
    });
    expect(await handler(event, context)).toMatchObject({ kind: 'ignored' });
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 0);
    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 0);
    expect(metricNames).toContain('IgnoredEvents');
  });

  it('judges an image that carries an attachment-like tag beside a tag of its own', async () => {
    table.seed(pushedRecord('payments/api', VULNERABLE));
    scans.set(VULNERABLE, vulnerableScan);
    const sig = `sha256-${VULNERABLE.slice('sha256:'.length)}.sig`;
    const event = withDetail('ecr-image-scan-complete.json', { 'image-tags': [sig, '1.4.2'] });
    expect(await handler(event, context)).toMatchObject({
      kind: 'judged',
      outcomes: [{ kind: 'decided', verdict: { outcome: 'REJECTED' } }],
    });
  });

  it('ignores an ECR Image Action sent here by mistake', async () => {
    expect(await handler(sample('ecr-image-action-push.json'), context)).toMatchObject({ kind: 'ignored' });
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});

describe('on-scan: Inspector', () => {
  const frontendScan: ScanResultInput = {
    repository: 'web/frontend',
    digest: FRONTEND,
    status: 'ACTIVE',
    perPage: 3,
    enhanced: [
      enhanced('CVE-2026-3001', 'HIGH', 'express', 7.5),
      enhanced('CVE-2026-3002', 'HIGH', 'lodash', 7.2),
      ...Array.from({ length: 5 }, (_, n) => enhanced(`CVE-2026-40${n}0`, 'MEDIUM', 'qs', 5.3)),
    ],
  };

  it('judges an Inspector2 Scan (repository named by ARN) from the enhanced findings of 3 pages', async () => {
    table.seed(pushedRecord('web/frontend', FRONTEND, { tags: ['latest'] }));
    scans.set(FRONTEND, frontendScan);

    await handler(sample('inspector2-scan-initial-complete.json'), context);

    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 3);
    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, {
      repositoryName: 'web/frontend',
      imageId: { imageDigest: FRONTEND },
    });
    const [event] = published();
    expectValidVerdictEvent(event?.detail);
    expect(event?.detail).toMatchObject({
      verdict: 'REJECTED',
      scan: { type: 'INSPECTOR', status: 'ACTIVE', severityCounts: { HIGH: 2, MEDIUM: 5 } },
      blocking: [
        { id: 'CVE-2026-3001', severity: 'HIGH', package: 'express', rule: 'severityLimits.HIGH' },
        { id: 'CVE-2026-3002', severity: 'HIGH', package: 'lodash', rule: 'severityLimits.HIGH' },
      ],
      blockingTotal: 2,
    });
  });

  it('waits, writing nothing, while Inspector still reports the scan pending', async () => {
    table.seed(pushedRecord('web/frontend', FRONTEND));
    scans.set(FRONTEND, { ...frontendScan, status: 'PENDING', enhanced: [] });
    const result = await handler(sample('inspector2-scan-initial-complete.json'), context);
    expect(result).toMatchObject({
      outcomes: [{ kind: 'waiting', reason: 'scan-in-progress', status: 'PENDING' }],
    });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  describe('Inspector2 Finding on an approved image', () => {
    const approveClean = async (): Promise<void> => {
      table.seed(pushedRecord('payments/api', CLEAN));
      scans.set(CLEAN, { repository: 'payments/api', digest: CLEAN, status: 'ACTIVE', enhanced: [] });
      await handler(sample('ecr-image-scan-complete-clean.json'), context);
      // The signer recorded its signatures in the meantime.
      const signed = table.record('payments/api', CLEAN)!;
      table.seed({
        ...signed,
        signatures: [{ format: 'cosign-legacy', reference: `sha256-${CLEAN.slice(7)}.sig` }],
      });
      eventBridge.resetHistory();
    };

    it('revokes it, listing its signatures, even before the finding shows in DescribeImageScanFindings', async () => {
      await approveClean();

      const result = await handler(sample('inspector2-finding-critical.json'), context);

      expect(result).toMatchObject({ outcomes: [{ kind: 'decided', verdict: { outcome: 'REVOKED' } }] });
      const events = published();
      expect(events.map((event) => event.detailType)).toEqual(['Tollgate Image Verdict']);
      expectValidVerdictEvent(events[0]?.detail);
      expect(events[0]?.detail).toMatchObject({
        verdict: 'REVOKED',
        signatures: [{ format: 'cosign-legacy', reference: `sha256-${CLEAN.slice(7)}.sig` }],
        blocking: [
          { id: 'CVE-2026-12345', severity: 'CRITICAL', package: 'openssl', rule: 'severityLimits.CRITICAL' },
        ],
        correlationId: '4c8e2a6f-1b3d-4e5f-8a7b-9c0d1e2f3a4b',
      });
    });

    it('also asks for signature removal with revocation: remove-signatures', async () => {
      coldStart(config({ revocation: 'remove-signatures' }));
      await approveClean();
      await handler(sample('inspector2-finding-critical.json'), context);
      expect(
        published().map((event) => [event.detailType, event.detail.action ?? event.detail.verdict]),
      ).toEqual([
        ['Tollgate Image Verdict', 'REVOKED'],
        ['Tollgate Signing Requested', 'remove'],
      ]);
    });

    it('leaves an image not judged yet to its scan event', async () => {
      table.seed(pushedRecord('payments/api', CLEAN));
      const result = await handler(sample('inspector2-finding-critical.json'), context);
      expect(result).toMatchObject({ outcomes: [{ kind: 'not-judged-yet' }] });
      expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 0);
    });

    it('ignores a finding that is no longer ACTIVE', async () => {
      const closed = withDetail('inspector2-finding-critical.json', { status: 'CLOSED' });
      expect(await handler(closed, context)).toEqual({ kind: 'ignored', reason: 'finding status CLOSED' });
    });
  });
});

describe('on-scan on every sample scan event', () => {
  const names = sampleEventNames().filter((name) => /^(ecr-image-scan-|inspector2-)/.test(name));

  it('has the samples', () => {
    expect(names).toEqual([
      'ecr-image-scan-complete-clean.json',
      'ecr-image-scan-complete.json',
      'inspector2-finding-critical.json',
      'inspector2-scan-initial-complete.json',
    ]);
  });

  it.each(names)('%s gives a decision whose every published verdict matches the schema', async (name) => {
    for (const [repository, digest] of [
      ['payments/api', CLEAN],
      ['payments/api', VULNERABLE],
      ['web/frontend', FRONTEND],
    ] as const) {
      // A finding re-evaluates only judged images.
      table.seed(
        pushedRecord(repository, digest, name.startsWith('inspector2-finding') ? { status: 'DECIDED' } : {}),
      );
      scans.set(digest, {
        repository,
        digest,
        basic: [basic('CVE-2026-0001', 'HIGH', 'bash', '7.0')],
        perPage: 1,
      });
    }
    const result = await handler(sample(name), context);
    expect(result).toMatchObject({ kind: 'judged', outcomes: [{ kind: 'decided' }] });
    for (const event of published().filter((entry) => entry.detailType === 'Tollgate Image Verdict')) {
      expectValidVerdictEvent(event.detail);
    }
    expect(published().length).toBeGreaterThan(0);
  });
});
