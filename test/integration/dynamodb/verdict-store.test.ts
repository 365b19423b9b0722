import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamodb';
import { ConcurrentUpdateError, errorVerdict, type Digest, type ImageRef } from '../../../shared/core/domain';

jest.setTimeout(30_000);

/** The DynamoVerdictStore against dynalite: DynamoDB's own conditional-write semantics, on loopback. */
const TABLE = 'tollgate-verdicts';
let server: Server;
let dynamo: DynamoDBClient;
let store: DynamoVerdictStore;
let run = 0;
let image: ImageRef;

beforeAll(async () => {
  const createDynalite = jest.requireActual<(options: { createTableMs: number }) => Server>('dynalite');
  server = createDynalite({ createTableMs: 0 });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  dynamo = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
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
  store = new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    tableName: TABLE,
  });
});

afterAll(async () => {
  dynamo.destroy();
  await new Promise<void>((done) => server.close(() => done()));
});

beforeEach(() => {
  run += 1;
  image = {
    registry: 'r.example',
    repository: `it/run-${run}`,
    digest: `sha256:${'c'.repeat(64)}` as Digest,
  };
});

describe('DynamoVerdictStore on dynalite', () => {
  it('concurrent pushes of one digest under different tags: one record, every tag kept, one creator', async () => {
    const tags = ['a', 'b', 'c', 'd', 'e'];
    const results = await Promise.all(
      tags.map((tag) => store.recordPush({ image, tag, pushedAt: '2026-11-16T01:54:34.000Z' })),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const record = await store.get(image);
    expect([...(record?.tags ?? [])].sort()).toEqual(tags);
    expect(record?.version).toBe(tags.length);
  });

  it('a verdict is saved only at the version it was decided on', async () => {
    const { record } = await store.recordPush({ image, tag: 'a', pushedAt: '2026-11-16T01:54:34.000Z' });
    const verdict = errorVerdict(image, 'SCAN_TIMEOUT', 'no scan', '2026-11-16T02:24:40.000Z');
    const saved = await store.saveVerdict(image, verdict, record.version);
    expect(saved).toMatchObject({
      status: 'DECIDED',
      version: record.version + 1,
      verdict: { outcome: 'ERROR' },
    });
    // A late writer that read the old version loses, rather than overwriting the verdict.
    await expect(store.saveVerdict(image, verdict, record.version)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
  });

  it('moveTag reports the digest a tag named before', async () => {
    const other = `sha256:${'d'.repeat(64)}` as Digest;
    await expect(store.moveTag({ ...image, digest: other }, 'latest', 't1')).resolves.toBeUndefined();
    await expect(store.moveTag(image, 'latest', 't2')).resolves.toBe(other);
    await expect(store.moveTag(image, 'latest', 't3')).resolves.toBeUndefined();
  });

  it('markDeleted marks a known record and ignores an unknown digest', async () => {
    await store.recordPush({ image, pushedAt: '2026-11-16T01:54:34.000Z' });
    await store.markDeleted(image, '2026-11-16T03:12:00.000Z');
    expect(await store.get(image)).toMatchObject({ status: 'DELETED' });
    await expect(
      store.markDeleted({ ...image, digest: `sha256:${'e'.repeat(64)}` as Digest }, 't'),
    ).resolves.toBeUndefined();
  });
});
