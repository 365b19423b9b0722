import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamodb';
import { ConcurrentUpdateError, errorVerdict, type Digest, type ImageRef } from '../../../shared/core/domain';
import { VerdictTable } from '../../doubles';

/**
 * The fake table is only worth what it shares with DynamoDB: each condition the DynamoVerdictStore writes is
 * decided by what it means, and an expression the fake cannot read fails the test instead of passing it.
 */
const documents = mockClient(DynamoDBDocumentClient);
const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
const IMAGE: ImageRef = { registry: 'r.example', repository: 'payments/api', digest: DIGEST };
const push = { image: IMAGE, tag: '1.4.2', pushedAt: '2026-11-16T01:54:34.000Z' };
let table: VerdictTable;
let store: DynamoVerdictStore;

beforeEach(() => {
  documents.reset();
  table = new VerdictTable().serve(documents);
  store = new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: 'verdicts',
  });
});

describe('VerdictTable under the real DynamoVerdictStore', () => {
  it('creates a record once, then adds tags at the version it read', async () => {
    expect((await store.recordPush(push)).created).toBe(true);
    expect((await store.recordPush({ ...push, tag: 'stable' })).created).toBe(false);
    expect(table.record('payments/api', DIGEST)).toMatchObject({ tags: ['1.4.2', 'stable'], version: 2 });
  });

  it('refuses a verdict at another version, and clears the announcement only for the verdict it names', async () => {
    await store.recordPush(push);
    const verdict = errorVerdict(IMAGE, 'SCAN_TIMEOUT', 'no scan', '2026-11-16T02:24:40.000Z');
    await expect(store.saveVerdict(IMAGE, verdict, 2)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(store.saveVerdict(IMAGE, verdict, 1)).resolves.toMatchObject({
      status: 'DECIDED',
      announcementPending: true,
      version: 2,
    });
    await expect(store.markAnnounced(IMAGE, '2026-11-16T00:00:00.000Z')).resolves.toBe(false);
    await expect(store.markAnnounced(IMAGE, verdict.decidedAt)).resolves.toBe(true);
    expect(table.record('payments/api', DIGEST)?.announcementPending).toBeUndefined();
    expect(table.record('payments/api', DIGEST)?.version).toBe(2);
  });

  it('marks an existing record deleted, and creates none for an image it never recorded', async () => {
    await store.markDeleted({ repository: 'payments/other', digest: DIGEST }, '2026-11-16T03:00:00.000Z');
    expect(table.items.size).toBe(0);
    await store.recordPush(push);
    await store.markDeleted(IMAGE, '2026-11-16T03:00:00.000Z');
    expect(table.record('payments/api', DIGEST)).toMatchObject({ status: 'DELETED', version: 2 });
  });

  it('moves a tag and answers where it pointed before', async () => {
    const other = `sha256:${'b'.repeat(64)}` as Digest;
    await expect(
      store.moveTag({ repository: 'payments/api', digest: DIGEST }, 'latest', 'now'),
    ).resolves.toBeUndefined();
    await expect(store.moveTag({ repository: 'payments/api', digest: other }, 'latest', 'now')).resolves.toBe(
      DIGEST,
    );
  });

  it('throws on an expression it does not understand, whatever the spelling of the rest', async () => {
    await store.recordPush(push);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const send = (ConditionExpression: string, UpdateExpression = 'SET #status = :s') =>
      client.send(
        new UpdateCommand({
          TableName: 'verdicts',
          Key: { pk: `image#payments/api@${DIGEST}`, sk: 'verdict' },
          UpdateExpression,
          ConditionExpression,
          ExpressionAttributeNames: { '#status': 'status', '#v': 'version' },
          ExpressionAttributeValues: { ':s': 'DECIDED', ':v': 1 },
        }),
      );
    await expect(send('#v < :v')).rejects.toThrow(/does not understand the condition "#v < :v"/);
    await expect(send('attribute_exists(pk) AND #v = :v')).rejects.toThrow(/does not understand/);
    await expect(send('#v = :v', 'SET #status = if_not_exists(#status, :s)')).rejects.toThrow(
      /does not understand the update/,
    );
    // The store's version condition with other placeholders (#v, :v) holds all the same.
    await expect(send('#v = :v')).resolves.toBeDefined();
    expect(table.record('payments/api', DIGEST)?.status).toBe('DECIDED');
  });
});
