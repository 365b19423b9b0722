import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetImageCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetRegistryScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { OnPushResult } from '../../../functions/on-push/handler';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamodb';
import type { Digest } from '../../../shared/core/domain';
import { CONFIG_ENV, resetSettingsCache } from '../../../shared/adapters/runtime';
import { loadSampleEvent } from '../../helpers/shared-data';

jest.setTimeout(60_000);

/**
 * The real on-push handler with both of its tables on dynalite (loopback): the verdict table through the
 * production DynamoVerdictStore and the Powertools idempotency table through its DynamoDB persistence
 * layer, so every conditional write is DynamoDB's own. ECR, Scheduler and EventBridge are
 * aws-sdk-client-mock stubs, which count the calls that must happen only once.
 */
const REPO_ROOT = resolve(__dirname, '../../..');
const VERDICTS = 'tollgate-verdicts';
const IDEMPOTENCY = 'tollgate-idempotency';
const DIGEST = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd' as Digest;
const saved = { ...process.env };

const ecr = mockClient(ECRClient);
const scheduler = mockClient(SchedulerClient);
const eventBridge = mockClient(EventBridgeClient);

let server: Server;
let dynamo: DynamoDBClient;
let store: DynamoVerdictStore;
let handler: (event: unknown, context: Context) => Promise<OnPushResult>;
let resetAdapters: () => void;
let repository: string;
let run = 0;

const context = (): Context =>
  ({
    functionName: 'tollgate-on-push',
    awsRequestId: `request-${run}`,
    getRemainingTimeInMillis: () => 60_000,
  }) as Context;

/** The sample push, in a repository of its own per test, so the tables need no cleaning. */
const push = (detail: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}): unknown => {
  const event = loadSampleEvent('ecr-image-action-push.json');
  return {
    ...event,
    ...envelope,
    detail: { ...(event.detail as object), 'repository-name': repository, ...detail },
  };
};

const invoke = (event: unknown): Promise<OnPushResult> => handler(event, context());

beforeAll(async () => {
  const createDynalite = jest.requireActual<(options: { createTableMs: number }) => Server>('dynalite');
  server = createDynalite({ createTableMs: 0 });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env = {
    ...saved,
    AWS_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    [CONFIG_ENV]: JSON.stringify({ repositories: ['it/*'] }),
    TOLLGATE_POLICY_FILE: resolve(REPO_ROOT, 'tollgate.policy.yaml'),
    TOLLGATE_TABLE_NAME: VERDICTS,
    TOLLGATE_BUS_NAME: 'tollgate',
    TOLLGATE_IDEMPOTENCY_TABLE: IDEMPOTENCY,
    TOLLGATE_SCHEDULE_GROUP: 'tollgate-scan-timeouts',
    TOLLGATE_TIMEOUT_FUNCTION_ARN: 'arn:aws:lambda:us-west-2:123456789012:function:tollgate-on-timeout',
    TOLLGATE_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/tollgate-scheduler',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  dynamo = new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  // The key schemas of infra/constructs/verdict-table.ts and the idempotency table in infra/constructs/on-push.ts.
  await dynamo.send(
    new CreateTableCommand({
      TableName: VERDICTS,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamo.send(
    new CreateTableCommand({
      TableName: IDEMPOTENCY,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  store = new DynamoVerdictStore({ client: DynamoDBDocumentClient.from(dynamo), tableName: VERDICTS });
  resetSettingsCache();
  const module = await import('../../../functions/on-push/handler');
  // Lambda calls it with (event, context); middy's type also names its own third argument.
  handler = module.handler;
  resetAdapters = module.resetAdapters;
});

afterAll(async () => {
  dynamo.destroy();
  await new Promise<void>((done) => server.close(() => done()));
  process.env = saved;
  resetSettingsCache();
});

beforeEach(() => {
  run += 1;
  repository = `it/run-${run}`;
  for (const stub of [ecr, scheduler, eventBridge]) stub.reset();
  resetAdapters();
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [{ proxyEndpoint: 'https://123456789012.dkr.ecr.us-west-2.amazonaws.com' }],
  });
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ imageTagMutability: 'MUTABLE' }] });
  ecr.on(PutImageTagMutabilityCommand).resolves({});
  // Basic scanning with no scan-on-push rule: on-push must start each scan itself.
  ecr
    .on(GetRegistryScanningConfigurationCommand)
    .resolves({ scanningConfiguration: { scanType: 'BASIC', rules: [] } });
  ecr.on(StartImageScanCommand).resolves({});
  ecr.on(BatchGetImageCommand).resolves({ images: [] });
  scheduler.on(CreateScheduleCommand).resolves({});
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('on-push idempotency on DynamoDB (dynalite)', () => {
  it('the same event delivered 5 times gives one record, one StartImageScan and one schedule', async () => {
    for (let delivery = 0; delivery < 5; delivery++) await expect(invoke(push())).resolves.toBe('recorded');

    const record = await store.get({ repository, digest: DIGEST });
    expect(record).toMatchObject({ status: 'PENDING_SCAN', tags: ['1.4.2'], version: 1 });
    expect(ecr).toHaveReceivedCommandTimes(StartImageScanCommand, 1);
    expect(ecr).toHaveReceivedCommandTimes(PutImageTagMutabilityCommand, 1);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
  });

  it('a forbidden tag delivered 5 times is reported once, and a later push of the tag is checked again', async () => {
    const latest = { 'image-tag': 'latest' };
    for (let delivery = 0; delivery < 5; delivery++) await invoke(push(latest));
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Tollgate Tag Violation' })],
    });
    // The same tag pushed again later (after an untag, say) is a new push: checked and reported again.
    await invoke(push(latest, { id: 'later', time: '2026-11-16T05:00:00Z' }));
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(ecr).toHaveReceivedCommandTimes(StartImageScanCommand, 1);
  });

  it('5 concurrent deliveries: one runs, the rest are refused as in progress (Lambda retries them), and the retries start nothing', async () => {
    const first = await Promise.allSettled(Array.from({ length: 5 }, () => invoke(push())));
    const fulfilled = first.filter((result) => result.status === 'fulfilled');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const result of first) {
      if (result.status === 'rejected') {
        // In the port's terms (a retryable StepInProgressError), with Powertools' refusal as its cause.
        expect((result.reason as Error).name).toBe('StepInProgressError');
        expect(((result.reason as Error).cause as Error).name).toBe('IdempotencyAlreadyInProgressError');
      }
    }
    // Lambda's async retry of the refused ones.
    for (let retry = 0; retry < first.length - fulfilled.length; retry++) {
      await expect(invoke(push())).resolves.toBe('recorded');
    }

    expect(await store.get({ repository, digest: DIGEST })).toMatchObject({
      status: 'PENDING_SCAN',
      version: 1,
    });
    expect(ecr).toHaveReceivedCommandTimes(StartImageScanCommand, 1);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
  });

  it('a second tag for the same digest is recorded, and starts no second pipeline', async () => {
    await invoke(push());
    await invoke(push({ 'image-tag': 'stable' }, { id: 'another-event', time: '2026-11-16T01:56:00Z' }));

    expect(await store.get({ repository, digest: DIGEST })).toMatchObject({
      status: 'PENDING_SCAN',
      tags: ['1.4.2', 'stable'],
      version: 2,
    });
    expect(ecr).toHaveReceivedCommandTimes(StartImageScanCommand, 1);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
  });

  it('a digest pushed again after it was deleted is a new pipeline: scanned and scheduled again', async () => {
    await invoke(push());
    await expect(
      invoke(push({ 'action-type': 'DELETE' }, { id: 'delete-event', time: '2026-11-16T03:12:00Z' })),
    ).resolves.toBe('deleted');
    expect(await store.get({ repository, digest: DIGEST })).toMatchObject({ status: 'DELETED' });

    await invoke(push({}, { id: 'push-again', time: '2026-11-17T09:00:00Z' }));
    expect(await store.get({ repository, digest: DIGEST })).toMatchObject({
      status: 'PENDING_SCAN',
      pushedAt: '2026-11-17T09:00:00.000Z',
    });
    expect(ecr).toHaveReceivedCommandTimes(StartImageScanCommand, 2);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
  });
});
