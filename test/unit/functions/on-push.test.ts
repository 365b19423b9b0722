import { resolve } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetRegistryScanningConfigurationCommand,
  LimitExceededException,
  PutImageTagMutabilityCommand,
  ScanNotFoundException,
  StartImageScanCommand,
  type RegistryScanningConfiguration as ScanningConfiguration,
} from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { OnPushResult } from '../../../functions/on-push/handler';
import { ON_PUSH_ENV } from '../../../functions/on-push/deps';
import { scheduleName } from '../../../shared/adapters/aws/scheduler';
import type { Digest } from '../../../shared/core/domain';
import {
  IMAGE_VERDICT,
  SIGNING_REQUESTED,
  TAG_VIOLATION,
  TOLLGATE_SOURCE,
} from '../../../shared/core/events';
import { MediaType } from '../../../shared/core/oci/media-types';
import { resetSettingsCache } from '../../../shared/adapters/runtime';
import { loadSampleEvent } from '../../helpers/shared-data';
import { expectValidVerdictEvent } from '../events/verdict-event-schema';
import { captureOutput, emittedMetrics, lambdaContext, VerdictTable } from '../../doubles';
import { scanPages, type ScanResultInput } from './on-scan-fakes';
import { eventBridgeOutage } from '../../helpers/eventbridge-outage';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { imageItemKey } from '../../../shared/adapters/aws/dynamodb/items';

const REPO_ROOT = resolve(__dirname, '../../..');
const REGISTRY = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
const NOW = new Date('2026-11-16T01:54:40.000Z');
const PUSHED = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd' as Digest;
const UNTAGGED = 'sha256:0a8f2a1c6b7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081' as Digest;
const FRONTEND = 'sha256:3c1e9b7a5d3f1e9c7b5a3d1f9e7c5b3a1d9f7e5c3b1a9d7f5e3c1b9a7d5f3e1c' as Digest;
const EXCLUSION = [{ filterType: 'WILDCARD', filter: 'sha256-*' }];

const ENV = {
  TOLLGATE_POLICY_FILE: resolve(REPO_ROOT, 'tollgate.policy.yaml'),
  [ON_PUSH_ENV.table]: 'tollgate-verdicts',
  [ON_PUSH_ENV.bus]: 'tollgate',
  [ON_PUSH_ENV.idempotencyTable]: 'tollgate-idempotency',
  [ON_PUSH_ENV.scheduleGroup]: 'tollgate-scan-timeouts',
  [ON_PUSH_ENV.timeoutFunction]: 'arn:aws:lambda:us-west-2:123456789012:function:tollgate-on-timeout',
  [ON_PUSH_ENV.schedulerRole]: 'arn:aws:iam::123456789012:role/tollgate-scheduler',
  AWS_REGION: 'us-west-2',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_TRACE_ENABLED: 'false',
};

const ecr = mockClient(ECRClient);
const documents = mockClient(DynamoDBDocumentClient);
const idempotency = mockClient(DynamoDBClient);
const scheduler = mockClient(SchedulerClient);
const eventBridge = mockClient(EventBridgeClient);
const ALL = [ecr, documents, idempotency, scheduler, eventBridge] as const;

let handler: (event: unknown, context: Context) => Promise<OnPushResult>;
let resetAdapters: () => void;
let table: VerdictTable;
let output: ReturnType<typeof captureOutput>;
/** What DescribeImageScanFindings answers, by digest; none: the scan is not on record yet. */
let scans: Map<string, ScanResultInput>;

const coldStart = (config: Record<string, unknown> = {}): void => {
  process.env.TOLLGATE_CONFIG = JSON.stringify({ repositories: ['payments/*', 'web/*'], ...config });
  resetSettingsCache();
  resetAdapters();
};

const scanning = (configuration: ScanningConfiguration): void => {
  ecr.on(GetRegistryScanningConfigurationCommand).resolves({ scanningConfiguration: configuration });
};
const SCAN_ON_PUSH: ScanningConfiguration = {
  scanType: 'BASIC',
  rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
};
const MANUAL: ScanningConfiguration = { scanType: 'BASIC', rules: [] };
const ENHANCED_ELSEWHERE: ScanningConfiguration = {
  scanType: 'ENHANCED',
  rules: [
    { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'other/*', filterType: 'WILDCARD' }] },
  ],
};

const imageManifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: `sha256:${'1'.repeat(64)}`, size: 100 },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'2'.repeat(64)}`, size: 9 },
  ],
});

const mutability = (imageTagMutability: string, filters: typeof EXCLUSION = []): void => {
  ecr.on(DescribeRepositoriesCommand).resolves({
    repositories: [
      { repositoryName: 'payments/api', imageTagMutability, imageTagMutabilityExclusionFilters: filters },
    ],
  } as never);
};

const invoke = (event: unknown): Promise<OnPushResult> => handler(event, lambdaContext('tollgate-on-push'));
const sample = (name: string, detail: Record<string, unknown> = {}): Record<string, unknown> => {
  const event = loadSampleEvent(name);
  return { ...event, detail: { ...(event.detail as object), ...detail } };
};

const updates = (): UpdateCommandInput[] =>
  documents.commandCalls(UpdateCommand).map((call) => call.args[0].input);
/** The writes of a verdict, and the clearing of its announcement flag, by what they change. */
const verdictWrites = (): UpdateCommandInput[] =>
  updates().filter((input) => VerdictTable.changes(input).set.includes('verdict'));
const announcements = (): UpdateCommandInput[] =>
  updates().filter((input) => VerdictTable.changes(input).remove.includes('announcementPending'));

const commandNames = (stub: AwsStub<never, never, never>): string[] =>
  stub.calls().map((call) => (call.args[0] as object).constructor.name);
const stubs = ALL as unknown as AwsStub<never, never, never>[];

const published = (): { detailType: string; detail: Record<string, unknown> }[] =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry: PutEventsRequestEntry) => {
      expect(entry.Source).toBe(TOLLGATE_SOURCE);
      expect(entry.EventBusName).toBe('tollgate');
      return {
        detailType: entry.DetailType ?? '',
        detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
      };
    });

const logLines = (message: string): Record<string, unknown>[] =>
  output.lines().filter((line) => line.message === message);

beforeAll(async () => {
  Object.assign(process.env, ENV);
  // Imported once the environment is set: Powertools reads it when the handler module loads.
  const module = await import('../../../functions/on-push/handler');
  // Lambda calls it with (event, context); middy's type also names its own third argument.
  handler = module.handler;
  resetAdapters = module.resetAdapters;
});

beforeEach(() => {
  jest.useFakeTimers({
    now: NOW,
    doNotFake: [
      'nextTick',
      'setImmediate',
      'clearImmediate',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
  });
  for (const stub of ALL) stub.reset();
  table = new VerdictTable().serve(documents);
  idempotency.on(PutItemCommand).resolves({});
  idempotency.on(UpdateItemCommand).resolves({});
  idempotency.on(DeleteItemCommand).resolves({});
  ecr
    .on(GetAuthorizationTokenCommand)
    .resolves({ authorizationData: [{ proxyEndpoint: `https://${REGISTRY}` }] });
  mutability('MUTABLE');
  ecr.on(PutImageTagMutabilityCommand).resolves({});
  scanning(SCAN_ON_PUSH);
  ecr.on(StartImageScanCommand).resolves({});
  ecr.on(BatchGetImageCommand).resolves({
    images: [{ imageManifest, imageManifestMediaType: MediaType.ociManifest }],
  });
  ecr.on(BatchDeleteImageCommand).resolves({});
  scans = new Map();
  ecr
    .on(DescribeImageScanFindingsCommand)
    .callsFake((input: { imageId?: { imageDigest?: string }; nextToken?: string }) => {
      const scan = scans.get(input.imageId?.imageDigest ?? '');
      if (scan === undefined) {
        return Promise.reject(
          new ScanNotFoundException({ message: 'Image scan does not exist for the image', $metadata: {} }),
        );
      }
      return Promise.resolve(
        scanPages(scan)[input.nextToken === undefined ? 0 : Number(input.nextToken.split('-')[1])],
      );
    });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  output = captureOutput();
  coldStart();
});

afterEach(() => {
  output.restore();
  jest.useRealTimers();
});

const expectSchedule = (digest: Digest, at: string, repository = 'payments/api'): void => {
  expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
    Name: scheduleName({ repository, digest }),
    GroupName: 'tollgate-scan-timeouts',
    ScheduleExpression: `at(${at})`,
    ActionAfterCompletion: 'DELETE',
    ClientToken: scheduleName({ repository, digest }),
    Target: {
      Arn: ENV[ON_PUSH_ENV.timeoutFunction],
      RoleArn: ENV[ON_PUSH_ENV.schedulerRole],
      Input: JSON.stringify({ repository, digest }),
    },
  });
};

/**
 * ECR serves the pushed index for its own digest and, for every entry, that entry's own manifest: `entries` by
 * digest, and a plain image manifest for any other. on-push tells entries apart by these bytes, never by the
 * index's annotations.
 */
const serveIndex = (
  index: { images: { imageManifestMediaType: string; imageManifest: string }[] },
  entries: Readonly<Record<string, string>> = {},
): void => {
  ecr.on(BatchGetImageCommand).callsFake((input: { imageIds?: { imageDigest?: string }[] }) => {
    const digest = input.imageIds?.[0]?.imageDigest ?? '';
    if (digest === PUSHED) return Promise.resolve(index);
    const manifest = entries[digest] ?? imageManifest;
    return Promise.resolve({
      images: [{ imageManifest: manifest, imageManifestMediaType: MediaType.ociManifest }],
    });
  });
};

describe('on-push, for each sample push event: the exact AWS calls', () => {
  it('ecr-image-action-push.json: records PENDING_SCAN, enforces immutability, schedules the timeout', async () => {
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');

    expect(commandNames(ecr as never)).toEqual([
      'GetAuthorizationTokenCommand',
      'DescribeRepositoriesCommand',
      'PutImageTagMutabilityCommand',
      'GetRegistryScanningConfigurationCommand',
      // Whether the scan already ended (its event may have come before the record existed): not yet.
      'DescribeImageScanFindingsCommand',
    ]);
    expect(ecr).toHaveReceivedCommandWith(PutImageTagMutabilityCommand, {
      repositoryName: 'payments/api',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: EXCLUSION,
    });
    // Scan-on-push covers it: no StartImageScan.
    expect(ecr).not.toHaveReceivedCommand(StartImageScanCommand);

    // The record is created without a read before it; the one read is the judge's: the record as it is now,
    // before it looks at the scan.
    expect(commandNames(documents as never)).toEqual(['PutCommand', 'PutCommand', 'GetCommand']);
    expect(documents).toHaveReceivedNthSpecificCommandWith(1, PutCommand, {
      TableName: 'tollgate-verdicts',
      Item: {
        pk: `image#payments/api@${PUSHED}`,
        sk: 'verdict',
        image: { registry: REGISTRY, repository: 'payments/api', digest: PUSHED },
        tags: ['1.4.2'],
        status: 'PENDING_SCAN',
        manifestMediaType: MediaType.ociManifest,
        artifactMediaType: MediaType.ociConfig,
        pushedAt: '2026-11-16T01:54:34.000Z',
        correlationId: '13cde686-328b-6117-af20-0e5566167482',
        version: 1,
        updatedAt: '2026-11-16T01:54:34.000Z',
      },
    });
    expect(documents).toHaveReceivedNthSpecificCommandWith(2, PutCommand, {
      TableName: 'tollgate-verdicts',
      Item: { pk: 'tag#payments/api:1.4.2', sk: 'tag', digest: PUSHED, updatedAt: NOW.toISOString() },
      ReturnValues: 'ALL_OLD',
    });
    // The record is created only where there is none: its condition holds on no item, not on the one it wrote.
    const [create] = documents.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(VerdictTable.conditionHolds(create!, undefined)).toBe(true);
    expect(VerdictTable.conditionHolds(create!, table.record('payments/api', PUSHED))).toBe(false);

    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expectSchedule(PUSHED, '2026-11-16T02:24:40');
    // The tag check and the once-per-image part each ran under Powertools idempotency: claimed, then completed.
    expect(commandNames(idempotency as never)).toEqual([
      'PutItemCommand',
      'UpdateItemCommand',
      'PutItemCommand',
      'UpdateItemCommand',
    ]);
    expect(idempotency).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'tollgate-idempotency' });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(table.record('payments/api', PUSHED)?.status).toBe('PENDING_SCAN');
  });

  it('ecr-image-action-push-docker-v2.json: `latest` is forbidden, reported on the bus; the digest is still recorded', async () => {
    await expect(invoke(sample('ecr-image-action-push-docker-v2.json'))).resolves.toBe('recorded');

    expect(published()).toEqual([
      {
        detailType: TAG_VIOLATION,
        detail: {
          schemaVersion: '1.0',
          registry: REGISTRY,
          repository: 'web/frontend',
          digest: FRONTEND,
          tag: 'latest',
          rule: 'FORBIDDEN_TAG',
          action: 'reported',
          message: 'tag "latest" is forbidden (latest)',
          detectedAt: NOW.toISOString(),
          correlationId: 'a2f0c3b1-9d4e-4c6a-8f2b-7e1d0c9b8a71',
        },
      },
    ]);
    expect(ecr).not.toHaveReceivedCommand(BatchDeleteImageCommand);
    expect(table.record('web/frontend', FRONTEND)).toMatchObject({
      status: 'PENDING_SCAN',
      tags: ['latest'],
    });
    expectSchedule(FRONTEND, '2026-11-16T02:24:40', 'web/frontend');
  });

  it('ecr-image-action-push-untagged.json: reads the manifest (BatchGetImage) before anything else', async () => {
    await expect(invoke(sample('ecr-image-action-push-untagged.json'))).resolves.toBe('recorded');
    expect(commandNames(ecr as never)).toEqual([
      'BatchGetImageCommand',
      'GetAuthorizationTokenCommand',
      'DescribeRepositoriesCommand',
      'PutImageTagMutabilityCommand',
      'GetRegistryScanningConfigurationCommand',
      'DescribeImageScanFindingsCommand',
    ]);
    expect(ecr).toHaveReceivedCommandWith(BatchGetImageCommand, {
      repositoryName: 'payments/api',
      imageIds: [{ imageDigest: UNTAGGED }],
    });
    // No tag, so no tag pointer.
    expect(commandNames(documents as never)).toEqual(['PutCommand', 'GetCommand']);
    expect(table.record('payments/api', UNTAGGED)).toMatchObject({ status: 'PENDING_SCAN', tags: [] });
    expectSchedule(UNTAGGED, '2026-11-16T02:24:40');
  });

  it('ecr-image-action-push-cosign-signature.json: makes no call at all', async () => {
    await expect(invoke(sample('ecr-image-action-push-cosign-signature.json'))).resolves.toBe('attachment');
    for (const stub of stubs) expect(stub.calls()).toHaveLength(0);
  });

  it('ecr-image-action-delete.json: marks the record deleted and publishes nothing', async () => {
    await invoke(sample('ecr-image-action-push.json'));
    for (const stub of ALL) stub.resetHistory();
    ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: 'ImageNotFound' }] });

    await expect(invoke(sample('ecr-image-action-delete.json'))).resolves.toBe('deleted');
    expect(commandNames(ecr as never)).toEqual(['BatchGetImageCommand']);
    // Only a record that exists is marked: the delete of an image Tollgate never recorded creates nothing.
    const [mark, ...more] = updates();
    expect(more).toEqual([]);
    expect(mark?.Key).toEqual({ pk: `image#payments/api@${PUSHED}`, sk: 'verdict' });
    expect(VerdictTable.conditionHolds(mark!, undefined)).toBe(false);
    expect(table.record('payments/api', PUSHED)?.status).toBe('DELETED');
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });
});

describe('on-push: loops and attachments', () => {
  it('a signature Tollgate writes can never trigger Tollgate: every attachment tag costs no call', async () => {
    const hex = PUSHED.slice('sha256:'.length);
    for (const tag of [`sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`, `sha256-${hex}`]) {
      await expect(invoke(sample('ecr-image-action-push.json', { 'image-tag': tag }))).resolves.toBe(
        'attachment',
      );
    }
    for (const stub of stubs) expect(stub.calls()).toHaveLength(0);
  });

  it('an untagged Sigstore bundle referrer is recognized from its manifest and nothing else is called', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageManifestMediaType: MediaType.ociManifest,
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.ociManifest,
            artifactType: MediaType.sigstoreBundleV03,
            config: { mediaType: MediaType.ociEmpty, digest: `sha256:${'4'.repeat(64)}`, size: 2 },
            layers: [
              { mediaType: MediaType.sigstoreBundleV03, digest: `sha256:${'5'.repeat(64)}`, size: 900 },
            ],
            subject: { mediaType: MediaType.ociManifest, digest: PUSHED, size: 500 },
          }),
        },
      ],
    });
    await expect(invoke(sample('ecr-image-action-push-untagged.json'))).resolves.toBe('attachment');
    expect(commandNames(ecr as never)).toEqual(['BatchGetImageCommand']);
    for (const stub of [documents, idempotency, scheduler, eventBridge] as unknown as AwsStub<
      never,
      never,
      never
    >[])
      expect(stub.calls()).toHaveLength(0);
  });

  it('a DELETE that removed one tag of a digest still there leaves the record alone', async () => {
    await invoke(sample('ecr-image-action-push.json'));
    await expect(invoke(sample('ecr-image-action-delete.json'))).resolves.toBe('tag-removed');
    expect(table.record('payments/api', PUSHED)?.status).toBe('PENDING_SCAN');
  });
});

describe('on-push: tag immutability', () => {
  it('enforce: plain IMMUTABLE is moved to IMMUTABLE_WITH_EXCLUSION, with a log line saying why', async () => {
    mutability('IMMUTABLE');
    await invoke(sample('ecr-image-action-push.json'));
    expect(ecr).toHaveReceivedCommandWith(PutImageTagMutabilityCommand, {
      repositoryName: 'payments/api',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: EXCLUSION,
    });
    const [line] = logLines('setting tag immutability');
    expect(line).toMatchObject({
      repository: 'payments/api',
      digest: PUSHED,
      mutability: 'IMMUTABLE_WITH_EXCLUSION',
    });
    expect(String(line?.why)).toMatch(/second signature could never be added/);
  });

  it('enforce: a compliant repository is left alone', async () => {
    mutability('IMMUTABLE_WITH_EXCLUSION', EXCLUSION);
    await invoke(sample('ecr-image-action-push.json'));
    expect(ecr).toHaveReceivedCommand(DescribeRepositoriesCommand);
    expect(ecr).not.toHaveReceivedCommand(PutImageTagMutabilityCommand);
  });

  it('report: changes nothing and publishes an IMMUTABILITY_NOT_ENFORCED violation', async () => {
    coldStart({ immutability: 'report' });
    await invoke(sample('ecr-image-action-push.json'));
    expect(ecr).not.toHaveReceivedCommand(PutImageTagMutabilityCommand);
    expect(published()).toEqual([
      {
        detailType: TAG_VIOLATION,
        detail: expect.objectContaining({
          repository: 'payments/api',
          digest: PUSHED,
          tag: '1.4.2',
          rule: 'IMMUTABILITY_NOT_ENFORCED',
          action: 'reported',
        }) as Record<string, unknown>,
      },
    ]);
  });

  it('a tag moved to a new digest in a mutable repository is reported with the old and the new digest', async () => {
    coldStart({ immutability: 'report' });
    await invoke(sample('ecr-image-action-push-untagged.json', { 'image-tag': '1.4.2' }));
    eventBridge.resetHistory();
    await invoke(sample('ecr-image-action-push.json'));
    expect(published()).toContainEqual({
      detailType: TAG_VIOLATION,
      detail: expect.objectContaining({
        tag: '1.4.2',
        rule: 'TAG_MOVED',
        action: 'reported',
        digest: PUSHED,
        previousDigest: UNTAGGED,
        message: `tag "1.4.2" moved from ${UNTAGGED} to ${PUSHED}`,
      }) as Record<string, unknown>,
    });
  });
});

describe('on-push: tag rules', () => {
  it('untag removes only the offending tag (BatchDeleteImage by tag) and says so', async () => {
    coldStart({ tagRules: { action: 'untag' } });
    await invoke(sample('ecr-image-action-push-docker-v2.json'));
    expect(ecr).toHaveReceivedCommandWith(BatchDeleteImageCommand, {
      repositoryName: 'web/frontend',
      imageIds: [{ imageTag: 'latest' }],
    });
    expect(published()).toEqual([
      {
        detailType: TAG_VIOLATION,
        detail: expect.objectContaining({ rule: 'FORBIDDEN_TAG', action: 'untagged' }) as object,
      },
    ]);
    expect(logLines('tag violation')).toEqual([
      expect.objectContaining({ tag: 'latest', rule: 'FORBIDDEN_TAG', action: 'untagged' }) as object,
    ]);
    // The verdict is about the digest: it is still recorded and scanned.
    expect(table.record('web/frontend', FRONTEND)?.status).toBe('PENDING_SCAN');
  });

  it('a tag that misses the required pattern is a TAG_PATTERN violation', async () => {
    coldStart({ tagRules: { forbidden: [], requiredPattern: '^v\\d+\\.\\d+\\.\\d+$' } });
    await invoke(sample('ecr-image-action-push.json'));
    expect(published()).toEqual([
      {
        detailType: TAG_VIOLATION,
        detail: expect.objectContaining({ rule: 'TAG_PATTERN', tag: '1.4.2' }) as object,
      },
    ]);
  });
});

describe('on-push: making sure a scan runs', () => {
  it('manual basic scanning: StartImageScan for the digest', async () => {
    scanning(MANUAL);
    await invoke(sample('ecr-image-action-push.json'));
    expect(ecr).toHaveReceivedCommandWith(StartImageScanCommand, {
      repositoryName: 'payments/api',
      imageId: { imageDigest: PUSHED },
    });
    expectSchedule(PUSHED, '2026-11-16T02:24:40');
  });

  it('LimitExceededException with a COMPLETE scan: no new event will come, so it is judged on push', async () => {
    scanning(MANUAL);
    ecr.on(StartImageScanCommand).rejects(new LimitExceededException({ message: 'limit', $metadata: {} }));
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageScanStatus: { status: 'COMPLETE' } }] });
    scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
      repositoryName: 'payments/api',
      imageIds: [{ imageDigest: PUSHED }],
    });
    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'DECIDED',
      verdict: { outcome: 'APPROVED' },
    });
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('LimitExceededException with a scan still running: waits for its event, with the full timeout', async () => {
    scanning(MANUAL);
    ecr.on(StartImageScanCommand).rejects(new LimitExceededException({ message: 'limit', $metadata: {} }));
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageScanStatus: { status: 'IN_PROGRESS' } }] });
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    expectSchedule(PUSHED, '2026-11-16T02:24:40');
  });

  it('no scanning covers the repository: ERROR NOT_SCANNED, saved and published, nothing scheduled', async () => {
    scanning(ENHANCED_ELSEWHERE);
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    expect(ecr).not.toHaveReceivedCommand(StartImageScanCommand);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    const record = table.record('payments/api', PUSHED);
    expect(record).toMatchObject({
      status: 'DECIDED',
      version: 2,
      verdict: { outcome: 'ERROR', error: { code: 'NOT_SCANNED' } },
    });
    // One verdict write, conditional on the version recorded by the push (1): it would not hold on a newer one.
    const [write, ...rewrites] = verdictWrites();
    expect(rewrites).toEqual([]);
    expect(write?.Key).toEqual({ pk: `image#payments/api@${PUSHED}`, sk: 'verdict' });
    expect(VerdictTable.conditionHolds(write!, { ...record!, version: 1 })).toBe(true);
    expect(VerdictTable.conditionHolds(write!, { ...record!, version: 2 })).toBe(false);
    // Announced, so the pending flag saveVerdict set is cleared (recordVerdict, as every deciding path).
    expect(announcements()).toHaveLength(1);
    expect(record?.announcementPending).toBeUndefined();

    const [event, ...rest] = published();
    expect(rest).toEqual([]);
    expect(event?.detailType).toBe(IMAGE_VERDICT);
    expect(event?.detail).toMatchObject({
      verdict: 'ERROR',
      error: { code: 'NOT_SCANNED', message: expect.stringMatching(/enable basic scan-on-push/) as string },
      image: { registry: REGISTRY, repository: 'payments/api', digest: PUSHED, tags: ['1.4.2'] },
      signatures: [],
      correlationId: '13cde686-328b-6117-af20-0e5566167482',
    });
    expectValidVerdictEvent(event?.detail);
  });

  it('an image index records each child with its parent, scans each child and schedules each one', async () => {
    scanning(MANUAL);
    const amd = `sha256:${'a'.repeat(64)}` as Digest;
    const arm = `sha256:${'b'.repeat(64)}` as Digest;
    serveIndex({
      images: [
        {
          imageManifestMediaType: MediaType.ociIndex,
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.ociIndex,
            manifests: [
              {
                mediaType: MediaType.ociManifest,
                digest: amd,
                size: 1,
                platform: { os: 'linux', architecture: 'amd64' },
              },
              {
                mediaType: MediaType.ociManifest,
                digest: arm,
                size: 1,
                platform: { os: 'linux', architecture: 'arm64' },
              },
            ],
          }),
        },
      ],
    });
    await invoke(sample('ecr-image-action-push.json', { 'manifest-media-type': MediaType.ociIndex }));

    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'PENDING_SCAN',
      children: [amd, arm],
    });
    expect(table.record('payments/api', amd)).toMatchObject({
      status: 'PENDING_SCAN',
      parent: PUSHED,
      platform: 'linux/amd64',
    });
    expect(table.record('payments/api', arm)).toMatchObject({
      status: 'PENDING_SCAN',
      parent: PUSHED,
      platform: 'linux/arm64',
    });
    // The index itself is not scanned; its children are.
    expect(ecr).toHaveReceivedCommandTimes(StartImageScanCommand, 2);
    expect(ecr).toHaveReceivedCommandWith(StartImageScanCommand, { imageId: { imageDigest: amd } });
    expect(ecr).toHaveReceivedCommandWith(StartImageScanCommand, { imageId: { imageDigest: arm } });
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 3);
    for (const digest of [amd, arm, PUSHED]) expectSchedule(digest, '2026-11-16T02:24:40');
  });
});

describe('on-push: a scan that ended before the push was recorded (events out of order)', () => {
  const CRITICAL_SCAN: ScanResultInput = {
    repository: 'payments/api',
    digest: PUSHED,
    basic: [
      {
        name: 'CVE-2024-3094',
        severity: 'CRITICAL',
        uri: 'https://nvd.nist.gov/vuln/detail/CVE-2024-3094',
        attributes: [
          { key: 'package_name', value: 'xz-utils' },
          { key: 'package_version', value: '5.6.0' },
          { key: 'CVSS3_SCORE', value: '10.0' },
        ],
      },
    ],
  };

  const verdictMetricLines = (): Record<string, unknown>[] =>
    output.lines().filter((line) => line.Verdicts !== undefined);

  it('a clean COMPLETE scan: judged on push, APPROVED and handed to signing; no timeout, the Verdicts metric', async () => {
    scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');

    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'DECIDED',
      version: 2,
      verdict: { outcome: 'APPROVED', decidedAt: NOW.toISOString() },
    });
    expect(published()).toEqual([
      {
        detailType: SIGNING_REQUESTED,
        detail: expect.objectContaining({
          action: 'sign',
          repository: 'payments/api',
          digest: PUSHED,
          correlationId: '13cde686-328b-6117-af20-0e5566167482',
        }) as object,
      },
    ]);
    // A decided image needs no scan timeout.
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(verdictMetricLines()).toEqual([expect.objectContaining({ Verdicts: 1, outcome: 'APPROVED' })]);
    expect(emittedMetrics(output.lines())).toMatchObject({ PushToVerdictSeconds: 6 });
    expect(logLines('scan had already ended: judged on push')).toEqual([
      expect.objectContaining({ scanDigest: PUSHED, verdict: 'APPROVED' }),
    ]);
  });

  it('a COMPLETE scan with a CRITICAL finding: REJECTED on push, the verdict event lists it', async () => {
    scans.set(PUSHED, CRITICAL_SCAN);
    await invoke(sample('ecr-image-action-push.json'));

    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'DECIDED',
      verdict: { outcome: 'REJECTED' },
    });
    const [event, ...rest] = published();
    expect(rest).toEqual([]);
    expect(event?.detailType).toBe(IMAGE_VERDICT);
    expect(event?.detail).toMatchObject({
      verdict: 'REJECTED',
      blocking: [expect.objectContaining({ id: 'CVE-2024-3094', severity: 'CRITICAL' })],
    });
    expectValidVerdictEvent(event?.detail);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(verdictMetricLines()).toEqual([expect.objectContaining({ Verdicts: 1, outcome: 'REJECTED' })]);
  });

  it('a FAILED scan: ERROR with the status, on push', async () => {
    scans.set(PUSHED, {
      repository: 'payments/api',
      digest: PUSHED,
      status: 'FAILED',
      description: 'layer unreadable',
    });
    await invoke(sample('ecr-image-action-push.json'));
    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'DECIDED',
      verdict: { outcome: 'ERROR', error: { code: 'SCAN_FAILED' } },
    });
    expect(published()[0]?.detail).toMatchObject({
      verdict: 'ERROR',
      error: { message: expect.stringContaining('FAILED') as string },
    });
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('a scan still in progress decides nothing: the timeout is scheduled and its event is awaited', async () => {
    scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED, status: 'IN_PROGRESS' });
    await invoke(sample('ecr-image-action-push.json'));
    expect(table.record('payments/api', PUSHED)?.status).toBe('PENDING_SCAN');
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expectSchedule(PUSHED, '2026-11-16T02:24:40');
    expect(verdictMetricLines()).toEqual([]);
  });

  it('the push delivered again after the verdict: no write, no event, no schedule, the record stays DECIDED', async () => {
    scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
    await invoke(sample('ecr-image-action-push.json'));
    const decided = table.record('payments/api', PUSHED);
    for (const stub of ALL) stub.resetHistory();

    for (let delivery = 0; delivery < 3; delivery++) {
      await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    }
    expect(table.record('payments/api', PUSHED)).toEqual(decided);
    expect(documents).not.toHaveReceivedCommand(UpdateCommand);
    // Only the tag pointer is written (the tag check is its own once-step). Each delivery tries to create the
    // record and is refused, since it exists; no write of it goes through.
    const recordPuts = documents
      .commandCalls(PutCommand)
      .filter((call) => (call.args[0].input.Item as { sk?: string } | undefined)?.sk === 'verdict');
    expect(recordPuts.map((call) => call.args[0].input.ConditionExpression)).toEqual(
      Array.from({ length: 3 }, () => 'attribute_not_exists(pk)'),
    );
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(ecr).not.toHaveReceivedCommand(DescribeImageScanFindingsCommand);
  });

  it('judged on push, then the announcement failed: the retry of the same event announces it, once', async () => {
    scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
    const outage = eventBridgeOutage(eventBridge);
    await expect(invoke(sample('ecr-image-action-push.json'))).rejects.toThrow(/EventBridge refused 1 event/);
    // Recorded, not announced: the flag says so, and nothing else would publish it (the scan had ended already).
    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'DECIDED',
      announcementPending: true,
      verdict: { outcome: 'APPROVED' },
    });

    // Lambda's retry: the same event finds the record decided, and takes up its own announcement.
    outage.end();
    eventBridge.resetHistory();
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    expect(published().map((event) => event.detailType)).toEqual([SIGNING_REQUESTED]);
    expect(table.record('payments/api', PUSHED)?.announcementPending).not.toBe(true);
    // Another delivery after that announces nothing more.
    await invoke(sample('ecr-image-action-push.json'));
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('a record changed while judging (on-scan judging the same scan, a second tag): judged again, not thrown', async () => {
    scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
    let raced = false;
    ecr.on(DescribeImageScanFindingsCommand).callsFake(() => {
      const key = `image#payments/api@${PUSHED}`;
      const item = table.items.get(key);
      if (!raced && item !== undefined) {
        // Another writer bumps the record between the read and the conditional write.
        raced = true;
        table.items.set(key, { ...item, tags: ['1.4.2', 'stable'], version: Number(item.version) + 1 });
      }
      return Promise.resolve(scanPages({ repository: 'payments/api', digest: PUSHED })[0]);
    });
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    expect(raced).toBe(true);
    // Two verdict writes (the first lost the race), then the announcement of the one that stood.
    expect(verdictWrites()).toHaveLength(2);
    expect(announcements()).toHaveLength(1);
    expect(table.record('payments/api', PUSHED)).toMatchObject({
      status: 'DECIDED',
      version: 3,
      tags: ['1.4.2', 'stable'],
      verdict: { outcome: 'APPROVED' },
    });
    expect(published().map((event) => event.detailType)).toEqual([SIGNING_REQUESTED]);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('an image index whose platform scans have all ended: children and index decided on push, nothing scheduled', async () => {
    const amd = `sha256:${'a'.repeat(64)}` as Digest;
    const arm = `sha256:${'b'.repeat(64)}` as Digest;
    serveIndex({
      images: [
        {
          imageManifestMediaType: MediaType.ociIndex,
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.ociIndex,
            manifests: [
              {
                mediaType: MediaType.ociManifest,
                digest: amd,
                size: 1,
                platform: { os: 'linux', architecture: 'amd64' },
              },
              {
                mediaType: MediaType.ociManifest,
                digest: arm,
                size: 1,
                platform: { os: 'linux', architecture: 'arm64' },
              },
            ],
          }),
        },
      ],
    });
    scans.set(amd, { repository: 'payments/api', digest: amd });
    scans.set(arm, { repository: 'payments/api', digest: arm });
    await invoke(sample('ecr-image-action-push.json', { 'manifest-media-type': MediaType.ociIndex }));

    for (const digest of [amd, arm, PUSHED]) {
      expect(table.record('payments/api', digest)).toMatchObject({
        status: 'DECIDED',
        verdict: { outcome: 'APPROVED' },
      });
    }
    // Signing the index signs its platform images: one request, for the index.
    expect(published()).toEqual([
      { detailType: SIGNING_REQUESTED, detail: expect.objectContaining({ digest: PUSHED }) as object },
    ]);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(verdictMetricLines()).toHaveLength(3);
  });

  describe('an index entry is what its own manifest is, not what the pusher annotates (issue 13)', () => {
    const amd = `sha256:${'a'.repeat(64)}` as Digest;
    const smuggled = `sha256:${'c'.repeat(64)}` as Digest;
    const attestation = `sha256:${'e'.repeat(64)}` as Digest;
    const nested = `sha256:${'f'.repeat(64)}` as Digest;
    const ATTESTATION_ANNOTATIONS = {
      'vnd.docker.reference.type': 'attestation-manifest',
      'vnd.docker.reference.digest': amd,
    };
    const statementManifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: `sha256:${'9'.repeat(64)}`, size: 2 },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: `sha256:${'8'.repeat(64)}`, size: 9 }],
    });
    const index = (mediaType: string, entries: readonly object[]) => ({
      images: [
        {
          imageManifestMediaType: mediaType,
          imageManifest: JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }),
        },
      ],
    });
    const entry = (digest: Digest, extra: object = {}) => ({
      mediaType: MediaType.ociManifest,
      digest,
      size: 1,
      ...extra,
    });
    const smuggledEntries = [
      entry(amd, { platform: { os: 'linux', architecture: 'amd64' } }),
      entry(smuggled, {
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: ATTESTATION_ANNOTATIONS,
      }),
      entry(attestation, {
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: ATTESTATION_ANNOTATIONS,
      }),
    ];

    it.each([
      ['an OCI index, annotated as an attestation', MediaType.ociIndex, smuggledEntries],
      [
        'an OCI index, without the annotation',
        MediaType.ociIndex,
        [entry(amd), entry(smuggled), entry(attestation)],
      ],
      ['a Docker manifest list', MediaType.dockerManifestList, smuggledEntries],
    ])('%s: the runnable entry is judged, and refuses the index by name', async (_, mediaType, entries) => {
      serveIndex(index(mediaType, entries), { [attestation]: statementManifest });
      scans.set(amd, { repository: 'payments/api', digest: amd });
      scans.set(smuggled, { ...CRITICAL_SCAN, digest: smuggled });
      await invoke(sample('ecr-image-action-push.json', { 'manifest-media-type': mediaType }));

      // The real attestation (statement layers only) is neither a child nor judged.
      expect(table.record('payments/api', PUSHED)).toMatchObject({ children: [amd, smuggled] });
      expect(table.record('payments/api', attestation)).toBeUndefined();
      expect(table.record('payments/api', smuggled)).toMatchObject({
        parent: PUSHED,
        verdict: { outcome: 'REJECTED' },
      });
      const indexVerdict = table.record('payments/api', PUSHED)?.verdict as {
        outcome: string;
        reasons: readonly string[];
      };
      expect(indexVerdict.outcome).toBe('REJECTED');
      expect(indexVerdict.reasons.join('\n')).toContain(`image ${smuggled}: REJECTED`);
      // Nothing asks for signing: the index is refused.
      expect(published().map((event) => event.detailType)).not.toContain(SIGNING_REQUESTED);
    });

    it('a nested index is refused as UNSUPPORTED_ARTIFACT naming what it lists, and so is its index', async () => {
      serveIndex(index(MediaType.ociIndex, [entry(amd), entry(nested, { mediaType: MediaType.ociIndex })]), {
        [nested]: JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [entry(smuggled)],
        }),
      });
      scans.set(amd, { repository: 'payments/api', digest: amd });
      await invoke(sample('ecr-image-action-push.json', { 'manifest-media-type': MediaType.ociIndex }));

      expect(table.record('payments/api', nested)).toMatchObject({
        verdict: { outcome: 'ERROR', error: { code: 'UNSUPPORTED_ARTIFACT' } },
      });
      expect(JSON.stringify(table.record('payments/api', nested)?.verdict)).toContain(smuggled);
      expect(table.record('payments/api', PUSHED)).toMatchObject({
        status: 'DECIDED',
        verdict: { outcome: 'ERROR', error: { code: 'UNSUPPORTED_ARTIFACT' } },
      });
      expect(JSON.stringify(table.record('payments/api', PUSHED)?.verdict)).toContain(nested);
      expect(published().map((event) => event.detailType)).not.toContain(SIGNING_REQUESTED);
    });
  });

  it('an index with one platform scan still running: the others are decided, the rest and the index are scheduled', async () => {
    const amd = `sha256:${'a'.repeat(64)}` as Digest;
    const arm = `sha256:${'b'.repeat(64)}` as Digest;
    serveIndex({
      images: [
        {
          imageManifestMediaType: MediaType.ociIndex,
          imageManifest: JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.ociIndex,
            manifests: [
              { mediaType: MediaType.ociManifest, digest: amd, size: 1 },
              { mediaType: MediaType.ociManifest, digest: arm, size: 1 },
            ],
          }),
        },
      ],
    });
    scans.set(amd, { repository: 'payments/api', digest: amd });
    await invoke(sample('ecr-image-action-push.json', { 'manifest-media-type': MediaType.ociIndex }));

    expect(table.record('payments/api', amd)?.status).toBe('DECIDED');
    expect(table.record('payments/api', arm)?.status).toBe('PENDING_SCAN');
    expect(table.record('payments/api', PUSHED)?.status).toBe('PENDING_SCAN');
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
    expectSchedule(arm, '2026-11-16T02:24:40');
    expectSchedule(PUSHED, '2026-11-16T02:24:40');
  });
});

describe('on-push and on-scan: the same verdict whatever the order', () => {
  let onScan: (event: unknown, context: Context) => Promise<unknown>;
  const scanEvent = (): Record<string, unknown> =>
    sample('ecr-image-scan-complete.json', {
      'repository-name': 'payments/api',
      'image-digest': PUSHED,
      'image-tags': ['1.4.2'],
      'scan-status': 'COMPLETE',
    });

  beforeAll(async () => {
    const module = await import('../../../functions/on-scan/handler');
    onScan = module.handler;
  });

  const run = async (order: 'push-then-scan' | 'scan-then-push'): Promise<unknown> => {
    const context = lambdaContext('tollgate-on-scan');
    if (order === 'push-then-scan') {
      await invoke(sample('ecr-image-action-push.json'));
      scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
      for (let delivery = 0; delivery < 3; delivery++) await onScan(scanEvent(), context);
      for (let delivery = 0; delivery < 2; delivery++) await invoke(sample('ecr-image-action-push.json'));
    } else {
      scans.set(PUSHED, { repository: 'payments/api', digest: PUSHED });
      // Before the push is recorded: skipped, and logged with why.
      await expect(onScan(scanEvent(), context)).resolves.toMatchObject({
        outcomes: [{ kind: 'unknown-image' }],
      });
      for (let delivery = 0; delivery < 3; delivery++) await invoke(sample('ecr-image-action-push.json'));
      for (let delivery = 0; delivery < 2; delivery++) await onScan(scanEvent(), context);
    }
    const record = table.record('payments/api', PUSHED);
    return {
      status: record?.status,
      verdict: record?.verdict,
      // Which event a decision is correlated with depends on who decided it: the push or the scan.
      published: published().map(({ detailType, detail: { correlationId: _id, ...detail } }) => ({
        detailType,
        detail,
      })),
      schedules: scheduler.commandCalls(CreateScheduleCommand).length,
    };
  };

  it('push then scan, and scan then push, each delivered several times: one verdict, one signing request', async () => {
    const pushFirst = await run('push-then-scan');
    expect(pushFirst).toMatchObject({
      status: 'DECIDED',
      verdict: { outcome: 'APPROVED' },
      published: [{ detailType: SIGNING_REQUESTED }],
      schedules: 1,
    });

    for (const stub of ALL) stub.resetHistory();
    table.items.clear();
    const scanFirst = await run('scan-then-push');
    expect(logLines('image unknown to Tollgate: skipped')).toEqual([
      expect.objectContaining({ why: expect.stringMatching(/on-push then judges this scan/) as string }),
    ]);
    // The same verdict and the same announcements; only the timeout is not needed.
    expect(scanFirst).toEqual({ ...(pushFirst as object), schedules: 0 });
  });
});

describe('on-push: faults and bad input', () => {
  it('a malformed event is logged as a typed error and counted, not retried, and calls nothing', async () => {
    const event = sample('ecr-image-action-push.json', { 'image-digest': 'sha256:short' });
    await expect(invoke(event)).resolves.toBe('malformed');
    for (const stub of stubs) expect(stub.calls()).toHaveLength(0);
    const [line] = logLines('malformed ECR Image Action event');
    expect(line).toMatchObject({
      level: 'ERROR',
      error: expect.objectContaining({ name: 'EventValidationError' }) as object,
      issues: [expect.objectContaining({ field: 'detail.image-digest' })],
    });
    expect(emittedMetrics(output.lines())).toMatchObject({ MalformedEvents: 1 });
  });

  it('a repository outside the configured patterns is ignored without a call', async () => {
    await expect(
      invoke(sample('ecr-image-action-push.json', { 'repository-name': 'sandbox/tool' })),
    ).resolves.toBe('ignored');
    for (const stub of stubs) expect(stub.calls()).toHaveLength(0);
  });

  it('throttling that outlasts the SDK retries is thrown (Lambda retries, then the DLQ); the claim is released', async () => {
    scanning(MANUAL);
    ecr
      .on(StartImageScanCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(invoke(sample('ecr-image-action-push.json'))).rejects.toThrow('Rate exceeded');
    // The idempotency record is deleted, so the retry starts the pipeline again.
    expect(idempotency).toHaveReceivedCommand(DeleteItemCommand);
    expect(idempotency).not.toHaveReceivedCommand(GetItemCommand);
    expect(table.record('payments/api', PUSHED)?.status).toBe('PENDING_SCAN');
  });
});

describe("on-push: a spoke's forwarded push (docs/organization.md)", () => {
  const SPOKE = { account: '111111111111', region: 'us-west-2' };
  const ORGANIZATION = {
    id: 'o-a1b2c3d4e5',
    hub: { account: '123456789012', region: 'us-west-2' },
    spokes: [{ accounts: [SPOKE.account], regions: [SPOKE.region], repositories: ['team-a/*'] }],
  };
  const SPOKE_REGISTRY = `${SPOKE.account}.dkr.ecr.${SPOKE.region}.amazonaws.com`;
  const sts = mockClient(STSClient);

  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIASPOKE',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(NOW.getTime() + 900_000),
      },
    });
    ecr
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [{ proxyEndpoint: `https://${SPOKE_REGISTRY}` }] });
    coldStart({ organization: ORGANIZATION });
  });

  const spokePush = (account = SPOKE.account, repository = 'team-a/api'): Record<string, unknown> => ({
    ...sample('ecr-image-action-push.json', { 'repository-name': repository }),
    account,
  });

  it("is recorded under the spoke's account and region, through the spoke role's credentials only", async () => {
    await expect(invoke(spokePush())).resolves.toBe('recorded');
    const record = table.items.get(
      imageItemKey({ repository: 'team-a/api', digest: PUSHED, scope: SPOKE }).pk,
    );
    expect(record).toMatchObject({
      pk: `image#${SPOKE.account}:${SPOKE.region}:team-a/api@${PUSHED}`,
      image: { registry: SPOKE_REGISTRY, repository: 'team-a/api', digest: PUSHED, scope: SPOKE },
      status: 'PENDING_SCAN',
    });
    // The hub's own key for the same digest and repository is another image: untouched.
    expect(table.record('team-a/api', PUSHED)).toBeUndefined();
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: `tag#${SPOKE.account}:${SPOKE.region}:team-a/api:1.4.2` }) as never,
    });
    // Every ECR call of this invocation went to the spoke's region with the assumed role's credentials.
    expect(ecr.calls().length).toBeGreaterThan(0);
    for (const call of ecr.calls()) {
      const client = call.thisValue as ECRClient;
      await expect(client.config.region()).resolves.toBe(SPOKE.region);
      await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIASPOKE' });
    }
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${SPOKE.account}:role/tollgate-spoke-on-push-${SPOKE.region}`,
      RoleSessionName: 'tollgate-on-push',
    });
    // The timeout schedule names the spoke image, so on-timeout judges that one.
    const input = JSON.parse(
      scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target!.Input!,
    ) as Record<string, unknown>;
    expect(input).toEqual({ repository: 'team-a/api', digest: PUSHED, scope: SPOKE });
  });

  it('an account that is not a spoke, or a repository the spoke entry does not cover, is refused without a call', async () => {
    await expect(invoke(spokePush('999999999999'))).resolves.toBe('refused');
    await expect(invoke(spokePush(SPOKE.account, 'payments/api'))).resolves.toBe('refused');
    for (const stub of [...stubs, sts as never]) expect(stub.calls()).toHaveLength(0);
    expect(logLines('ECR Image Action event refused').map((line) => line.reason)).toEqual([
      '999999999999 in us-west-2 is not a spoke of this hub',
      'payments/api is not a covered repository of the spoke 111111111111 in us-west-2',
    ]);
  });

  it("the hub's own push is still the hub's: its own key, its own credentials", async () => {
    await expect(invoke(sample('ecr-image-action-push.json'))).resolves.toBe('recorded');
    expect(table.record('payments/api', PUSHED)?.image.scope).toBeUndefined();
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});
