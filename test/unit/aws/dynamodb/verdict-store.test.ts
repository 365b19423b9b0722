import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoVerdictStore, mergePush } from '../../../../shared/adapters/aws/dynamodb';
import {
  ConcurrentUpdateError,
  errorVerdict,
  type Digest,
  type ImageRecord,
  type ImageRef,
} from '../../../../shared/core/domain';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'verdicts';
const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
const IMAGE: ImageRef = { registry: 'r.example', repository: 'payments/api', digest: DIGEST };
const KEY = { pk: `image#payments/api@${DIGEST}`, sk: 'verdict' };
const store = (): DynamoVerdictStore =>
  new DynamoVerdictStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: TABLE });
const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const pending = (overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  image: IMAGE,
  tags: ['1.4.2'],
  status: 'PENDING_SCAN',
  pushedAt: '2026-11-16T01:54:34Z',
  correlationId: 'evt-1',
  version: 1,
  updatedAt: '2026-11-16T01:54:34Z',
  ...overrides,
});

beforeEach(() => ddb.reset());

describe('DynamoVerdictStore.recordPush', () => {
  const input = { image: IMAGE, tag: '1.4.2', pushedAt: '2026-11-16T01:54:34Z', correlationId: 'evt-1' };

  it('creates a PENDING_SCAN record only if none exists (attribute_not_exists), without reading first', async () => {
    ddb.on(PutCommand).resolves({});
    const result = await store().recordPush(input);
    expect(result).toEqual({ created: true, record: pending() });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: { ...KEY, ...pending() },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('a second tag adds the tag with a version condition, and starts nothing (created false)', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...KEY, ...pending() } });
    ddb.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    const result = await store().recordPush({ ...input, tag: 'stable', pushedAt: '2026-11-16T02:00:00Z' });
    expect(result.created).toBe(false);
    expect(result.record).toEqual(
      pending({ tags: ['1.4.2', 'stable'], version: 2, updatedAt: '2026-11-16T02:00:00Z' }),
    );
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: KEY, ConsistentRead: true });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':version': 1 },
    });
  });

  it('the same push again changes nothing: the create is refused, and the record already holds the push', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { ...KEY, ...pending() } });
    const result = await store().recordPush(input);
    expect(result).toEqual({ created: false, record: pending() });
    // Only the refused create: no versioned write.
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('a record pushed again after its deletion is a new pipeline (created true)', async () => {
    ddb.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({ Item: { ...KEY, ...pending({ status: 'DELETED', version: 4 }) } });
    const result = await store().recordPush(input);
    expect(result.created).toBe(true);
    expect(result.record).toMatchObject({ status: 'PENDING_SCAN', version: 5 });
  });

  it('a lost race re-reads and merges into the newer record', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({ Item: { ...KEY, ...pending({ tags: ['other'] }) } });
    ddb.on(PutCommand).rejectsOnce(conditionFailed()).rejectsOnce(conditionFailed()).resolves({});
    const result = await store().recordPush(input);
    expect(result.created).toBe(false);
    expect(result.record.tags).toEqual(['other', '1.4.2']);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3);
  });

  it('gives up with a retryable ConcurrentUpdateError when the record keeps changing', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(store().recordPush(input)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it('other errors are thrown as they are', async () => {
    ddb.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(store().recordPush(input)).rejects.toThrow('ProvisionedThroughputExceededException');
    ddb.reset();
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(store().recordPush(input)).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('mergePush', () => {
  it('a digest pushed again after deletion starts a new record generation', () => {
    const deleted = pending({ status: 'DELETED', version: 4 });
    expect(mergePush(deleted, { image: IMAGE, tag: '2.0.0', pushedAt: '2026-11-17T00:00:00Z' })).toEqual({
      image: IMAGE,
      tags: ['2.0.0'],
      status: 'PENDING_SCAN',
      pushedAt: '2026-11-17T00:00:00Z',
      version: 5,
      updatedAt: '2026-11-17T00:00:00Z',
    });
  });

  it('records an index child’s parent once, and an index’s children once', () => {
    const child = pending({ tags: [] });
    const parent = `sha256:${'b'.repeat(64)}` as Digest;
    const withParent = mergePush(child, { image: IMAGE, parent, pushedAt: 't' });
    expect(withParent.parent).toBe(parent);
    expect(mergePush(withParent, { image: IMAGE, parent, pushedAt: 't' })).toBe(withParent);
  });
});

describe('DynamoVerdictStore writes', () => {
  it('saveVerdict sets the verdict and DECIDED only at the expected version', async () => {
    const verdict = errorVerdict(IMAGE, 'NOT_SCANNED', 'nothing scans it', '2026-11-16T01:54:35Z');
    ddb
      .on(UpdateCommand)
      .resolves({ Attributes: { ...KEY, ...pending({ status: 'DECIDED', verdict, version: 2 }) } });
    const saved = await store().saveVerdict(IMAGE, verdict, 1);
    expect(saved.status).toBe('DECIDED');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: KEY,
      UpdateExpression:
        'SET verdict = :verdict, #status = :decided, announcementPending = :pending, updatedAt = :now, #version = :next REMOVE announcer',
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: expect.objectContaining({
        ':verdict': verdict,
        ':decided': 'DECIDED',
        ':expected': 1,
        ':next': 2,
      }) as Record<string, unknown>,
      ReturnValues: 'ALL_NEW',
    });
  });

  it('saveVerdict records who announces it, in the same write', async () => {
    const verdict = errorVerdict(IMAGE, 'NOT_SCANNED', 'nothing scans it', '2026-11-16T01:54:35Z');
    ddb.on(UpdateCommand).resolves({ Attributes: { ...KEY, ...pending({ status: 'DECIDED', verdict }) } });
    await store().saveVerdict(IMAGE, verdict, 1, 'event-1');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression:
        'SET verdict = :verdict, #status = :decided, announcementPending = :pending, announcer = :announcer, updatedAt = :now, #version = :next',
      ExpressionAttributeValues: expect.objectContaining({ ':announcer': 'event-1' }) as Record<
        string,
        unknown
      >,
    });
  });

  it('markAnnounced clears the pending flag only while the record holds that verdict', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await expect(store().markAnnounced(IMAGE, '2026-11-16T01:54:35Z')).resolves.toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: KEY,
      UpdateExpression: 'REMOVE announcementPending, announcer',
      ConditionExpression: 'verdict.decidedAt = :decidedAt',
      ExpressionAttributeValues: { ':decidedAt': '2026-11-16T01:54:35Z' },
    });
    // Another verdict was recorded since: its writer announces it, and nothing is thrown.
    await expect(store().markAnnounced(IMAGE, '2026-11-16T01:54:35Z')).resolves.toBe(false);
  });

  it('saveVerdict at a stale version is a ConcurrentUpdateError', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    const verdict = errorVerdict(IMAGE, 'SCAN_TIMEOUT', 'no scan', 't');
    await expect(store().saveVerdict(IMAGE, verdict, 1)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it('saveSignatures keeps the names the CLI reads (signatures: [{format, reference}])', async () => {
    const signatures = [
      { format: 'cosign-legacy', reference: 'r.example/payments/api:sha256-a.sig' },
    ] as const;
    ddb.on(UpdateCommand).resolves({ Attributes: { ...KEY, ...pending({ signatures, version: 3 }) } });
    await store().saveSignatures(IMAGE, signatures, 2);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: 'SET signatures = :signatures, updatedAt = :now, #version = :next',
      ExpressionAttributeValues: expect.objectContaining({ ':signatures': signatures }) as Record<
        string,
        unknown
      >,
    });
  });

  it('markDeleted sets DELETED on an existing record and ignores an unknown one', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(store().markDeleted(IMAGE, '2026-11-16T03:12:00Z')).resolves.toBeUndefined();
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: KEY,
      UpdateExpression: 'SET #status = :deleted, updatedAt = :at ADD #version :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':deleted': 'DELETED', ':at': '2026-11-16T03:12:00Z', ':one': 1 },
    });
  });

  it('moveTag returns the digest the tag named before, when it moved', async () => {
    const previous = `sha256:${'0'.repeat(64)}`;
    ddb.on(PutCommand).resolves({ Attributes: { digest: previous } });
    await expect(
      store().moveTag({ repository: 'payments/api', digest: DIGEST }, 'latest', 't'),
    ).resolves.toBe(previous);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: { pk: 'tag#payments/api:latest', sk: 'tag', digest: DIGEST, updatedAt: 't' },
      ReturnValues: 'ALL_OLD',
    });
  });

  it('moveTag: the same digest, or a new tag, is not a move', async () => {
    ddb
      .on(PutCommand)
      .resolvesOnce({ Attributes: { digest: DIGEST } })
      .resolves({});
    await expect(
      store().moveTag({ repository: 'payments/api', digest: DIGEST }, 'latest', 't'),
    ).resolves.toBeUndefined();
    await expect(
      store().moveTag({ repository: 'payments/api', digest: DIGEST }, 'new', 't'),
    ).resolves.toBeUndefined();
  });
});
