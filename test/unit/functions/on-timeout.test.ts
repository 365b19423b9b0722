import { resolve } from 'node:path';
import { DescribeImageScanFindingsCommand, ECRClient, ScanNotFoundException } from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { OnTimeoutResult } from '../../../functions/on-timeout/handler';
import { errorVerdict, type Digest, type ImageRecord } from '../../../shared/core/domain';
import { IMAGE_VERDICT, SIGNING_REQUESTED } from '../../../shared/core/events';
import { resetSettingsCache } from '../../../shared/adapters/runtime';
import { expectValidVerdictEvent } from '../events/verdict-event-schema';
import { captureOutput, emittedMetrics, lambdaContext, VerdictTable } from '../../doubles';
import { eventBridgeOutage } from '../../helpers/eventbridge-outage';

const REPO_ROOT = resolve(__dirname, '../../..');
const REGISTRY = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
const DIGEST = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd' as Digest;
const INPUT = { repository: 'payments/api', digest: DIGEST };

const ecr = mockClient(ECRClient);
const documents = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);

let handler: (event: unknown, context: Context) => Promise<OnTimeoutResult>;
let resetAdapters: () => void;
let table: VerdictTable;
let output: ReturnType<typeof captureOutput>;

const pending: ImageRecord = {
  image: { registry: REGISTRY, repository: 'payments/api', digest: DIGEST },
  tags: ['1.4.2'],
  status: 'PENDING_SCAN',
  pushedAt: '2026-11-16T01:54:34.000Z',
  correlationId: '13cde686-328b-6117-af20-0e5566167482',
  version: 1,
  updatedAt: '2026-11-16T01:54:34.000Z',
};

const invoke = (event: unknown): Promise<OnTimeoutResult> =>
  handler(event, lambdaContext('tollgate-on-timeout'));
const published = (): { detailType: string; detail: Record<string, unknown> }[] =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry: PutEventsRequestEntry) => ({
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
    }));

beforeAll(async () => {
  Object.assign(process.env, {
    TOLLGATE_POLICY_FILE: resolve(REPO_ROOT, 'tollgate.policy.yaml'),
    TOLLGATE_TABLE_NAME: 'tollgate-verdicts',
    TOLLGATE_BUS_NAME: 'tollgate',
    AWS_REGION: 'us-west-2',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  ({ handler, resetAdapters } = await import('../../../functions/on-timeout/handler'));
});

beforeEach(() => {
  for (const stub of [ecr, documents, eventBridge]) stub.reset();
  table = new VerdictTable().serve(documents);
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  process.env.TOLLGATE_CONFIG = JSON.stringify({ repositories: ['payments/*'] });
  resetSettingsCache();
  resetAdapters();
  output = captureOutput();
});

afterEach(() => output.restore());

const updates = (): UpdateCommandInput[] =>
  documents.commandCalls(UpdateCommand).map((call) => call.args[0].input);
/** The writes of a verdict, and the clearing of its announcement flag, by what they change. */
const verdictWrites = (): UpdateCommandInput[] =>
  updates().filter((input) => VerdictTable.changes(input).set.includes('verdict'));
const announcements = (): UpdateCommandInput[] =>
  updates().filter((input) => VerdictTable.changes(input).remove.includes('announcementPending'));

/** The `outcome` dimension of every `Verdicts` metric emitted, in order. */
const verdictOutcomes = (): unknown[] =>
  output
    .lines()
    .filter((line) => typeof line.Verdicts === 'number')
    .map((line) => line.outcome);

describe('on-timeout', () => {
  it('no scan ever reported: ERROR SCAN_TIMEOUT, saved with a conditional write, published, never signed', async () => {
    table.seed(pending);
    ecr
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ScanNotFoundException({ message: 'no scan', $metadata: {} }));

    await expect(invoke(INPUT)).resolves.toBe('timed-out');

    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, {
      repositoryName: 'payments/api',
      imageId: { imageDigest: DIGEST },
    });
    // One verdict write, conditional on the pending record's version: it would not hold on a newer one.
    const [write, ...rewrites] = verdictWrites();
    expect(rewrites).toEqual([]);
    expect(VerdictTable.conditionHolds(write!, pending)).toBe(true);
    expect(VerdictTable.conditionHolds(write!, { ...pending, version: 2 })).toBe(false);
    const record = table.record('payments/api', DIGEST);
    expect(record).toMatchObject({
      status: 'DECIDED',
      verdict: { outcome: 'ERROR', error: { code: 'SCAN_TIMEOUT' } },
    });
    // Announced, so the pending flag saveVerdict set is cleared (recordVerdict, as every deciding path).
    expect(announcements()).toHaveLength(1);
    expect(record?.announcementPending).toBeUndefined();
    const events = published();
    expect(events.map((event) => event.detailType)).toEqual([IMAGE_VERDICT]);
    expect(events.map((event) => event.detailType)).not.toContain(SIGNING_REQUESTED);
    expect(events[0]?.detail).toMatchObject({
      verdict: 'ERROR',
      error: { code: 'SCAN_TIMEOUT' },
      correlationId: pending.correlationId,
    });
    expectValidVerdictEvent(events[0]?.detail);
    expect(emittedMetrics(output.lines())).toMatchObject({ ScanTimeouts: 1, EventsPublished: 1 });
    expect(verdictOutcomes()).toEqual(['ERROR']);
  });

  it('the scan finished but its event was lost: the findings are judged instead', async () => {
    table.seed(pending);
    ecr.on(DescribeImageScanFindingsCommand).resolves({
      repositoryName: 'payments/api',
      imageId: { imageDigest: DIGEST },
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: {
        imageScanCompletedAt: new Date('2026-11-16T01:58:00Z'),
        findings: [],
        findingSeverityCounts: {},
      },
    });

    await expect(invoke(INPUT)).resolves.toBe('judged');
    expect(table.record('payments/api', DIGEST)).toMatchObject({
      status: 'DECIDED',
      verdict: { outcome: 'APPROVED' },
    });
    expect(published().filter((event) => event.detail.verdict === 'ERROR')).toEqual([]);
    expect(verdictOutcomes()).toEqual(['APPROVED']);
    // From the push to now (the judge's clock is the real one here).
    expect(emittedMetrics(output.lines()).PushToVerdictSeconds).toEqual(expect.any(Number));
  });

  it('a verdict EventBridge keeps refusing is counted as EventsFailed, and the invocation fails for a retry', async () => {
    table.seed(pending);
    ecr
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ScanNotFoundException({ message: 'no scan', $metadata: {} }));
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });

    await expect(invoke(INPUT)).rejects.toThrow(/EventBridge refused 1 event/);
    expect(emittedMetrics(output.lines())).toMatchObject({ EventsFailed: 1 });
    expect(emittedMetrics(output.lines())).not.toHaveProperty('EventsPublished');
  });

  it('the retry of a timeout that recorded its ERROR and failed to publish it publishes it', async () => {
    table.seed(pending);
    ecr
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ScanNotFoundException({ message: 'no scan', $metadata: {} }));
    const outage = eventBridgeOutage(eventBridge);
    await expect(invoke(INPUT)).rejects.toThrow(/EventBridge refused 1 event/);
    expect(table.record('payments/api', DIGEST)).toMatchObject({
      status: 'DECIDED',
      announcementPending: true,
    });

    outage.end();
    eventBridge.resetHistory();
    await expect(invoke(INPUT)).resolves.toBe('not-pending');
    expect(published().map((event) => event.detail.verdict)).toEqual(['ERROR']);

    expect(table.record('payments/api', DIGEST)?.announcementPending).not.toBe(true);
  });

  it('an image already decided is left alone', async () => {
    table.seed({
      ...pending,
      status: 'DECIDED',
      verdict: errorVerdict(pending.image, 'SCAN_FAILED', 'failed', '2026-11-16T02:00:00.000Z'),
      version: 2,
    });
    await expect(invoke(INPUT)).resolves.toBe('not-pending');
    expect(ecr).not.toHaveReceivedCommand(DescribeImageScanFindingsCommand);
    expect(documents).not.toHaveReceivedCommand(UpdateCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('malformed schedule input is a logged, counted, typed error and is not retried', async () => {
    await expect(invoke({ repository: 'payments/api', digest: 'nope' })).resolves.toBe('malformed');
    expect(documents.calls()).toHaveLength(0);
    const line = output.lines().find((entry) => entry.message === 'malformed scan-timeout input');
    expect(line).toMatchObject({ level: 'ERROR', issues: [expect.objectContaining({ field: 'digest' })] });
    expect(emittedMetrics(output.lines())).toMatchObject({ MalformedEvents: 1 });
  });
});
