import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoVerdictStore } from '../../../shared/adapters/aws/dynamodb';
import {
  RetryableError,
  VERDICT_SCHEMA_VERSION,
  type Digest,
  type ImageRef,
  type Verdict,
} from '../../../shared/core/domain';
import { SIGNING_REQUESTED, signingRequestedDetail, type SigningAction } from '../../../shared/core/events';
import { OciRegistryClient, type ImageManifest } from '../../../shared/adapters/oci';
import { CONFIG_ENV, loadSettings, resetSettingsCache } from '../../../shared/adapters/runtime';
import { signatureTag } from '../../../shared/app/signing';
import { pemPublicKey } from '../../../shared/app/verify';
import { verifyImageSignatures } from '../../helpers/verify-formats';
import {
  pushTestImage,
  pushTestIndex,
  signDigestP256,
  startTestRegistry,
  type TestRegistry,
} from '../../helpers/oci';

import { handler } from '../../../functions/sign/handler';

jest.setTimeout(90_000);

/**
 * The real sign handler, as deployed, over loopback: a real Distribution registry, DynamoDB on dynalite through
 * the production adapter, and the AWS calls that cannot run locally (ECR's token, KMS, EventBridge) answered by
 * aws-sdk-client-mock; KMS signs for real with a local P-256 key.
 */
const TABLE = 'tollgate-verdicts';
const KEY_ARN = 'arn:aws:kms:us-west-2:123456789012:key/11111111-2222-4333-8444-555555555555';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const saved = { ...process.env };

let registry: TestRegistry;
let client: OciRegistryClient;
let dynalite: Server;
let store: DynamoVerdictStore;
let counter = 0;
const ecr = mockClient(ECRClient);
const kms = mockClient(KMSClient);
const eventBridge = mockClient(EventBridgeClient);

const context = { functionName: 'tollgate-sign', awsRequestId: 'r' } as Context;

const invoke = (
  action: SigningAction,
  image: ImageRef,
  extra: Record<string, unknown> = {},
): Promise<unknown> =>
  handler(
    {
      version: '0',
      id: `event-${(counter += 1)}`,
      'detail-type': SIGNING_REQUESTED,
      source: 'tollgate',
      account: '123456789012',
      time: '2026-01-02T03:04:06Z',
      region: 'us-west-2',
      resources: [],
      detail: signingRequestedDetail(action, image, 'push-1'),
      ...extra,
    },
    context,
  );

const verdict = (image: ImageRef, outcome: 'APPROVED' | 'REJECTED' | 'REVOKED'): Verdict => {
  const judged = {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    image,
    mode: 'enforce' as const,
    reasons: [],
    warnings: [],
    decidedAt: '2026-01-02T03:04:05.000Z',
    // Decided under the deployed policy: an approval from another would be judged again instead of signed.
    policyDigest: loadSettings().policy.digest,
    scan: { scanner: 'INSPECTOR' as const, status: 'COMPLETE', severityCounts: {} },
    blocking: [],
    blockingTotal: 0,
    exceptionsApplied: [],
  };
  return outcome === 'REVOKED'
    ? { ...judged, outcome, revokedAt: '2026-01-03T00:00:00.000Z' }
    : { ...judged, outcome };
};

/**
 * Records the image the way on-push and on-scan do: a push, then a verdict, announced (recordVerdict), through the
 * production adapter. A verdict left unannounced would be announced by the signer, as any pending one is.
 */
const judged = async (
  image: ImageRef,
  outcome: 'APPROVED' | 'REJECTED' | 'REVOKED',
  extra: { parent?: Digest; children?: readonly Digest[] } = {},
): Promise<void> => {
  const { record } = await store.recordPush({
    image,
    tag: 'v1',
    pushedAt: '2026-01-02T03:00:00.000Z',
    correlationId: 'push-1',
    ...extra,
  });
  const decided = verdict(image, outcome);
  await store.saveVerdict(image, decided, record.version);
  await store.markAnnounced(image, decided.decidedAt);
};

const valid = async (image: ImageRef): Promise<string[]> =>
  (
    await verifyImageSignatures(
      {
        registry: client,
        publicKey: pemPublicKey(key.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
      },
      image,
    )
  )
    .filter((result) => result.valid)
    .map((result) => result.format)
    .sort();

const publishedVerdicts = (): Record<string, unknown>[] =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ ...entry, Detail: JSON.parse(entry.Detail ?? '{}') as unknown }));

beforeAll(async () => {
  registry = await startTestRegistry('anonymous');
  client = new OciRegistryClient({ host: registry.host });
  // dynalite ships no types.
  const createDynalite = jest.requireActual<(options: { createTableMs: number }) => Server>('dynalite');
  dynalite = createDynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynalite.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(dynalite.address() as AddressInfo).port}`;
  process.env = {
    ...saved,
    AWS_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    [CONFIG_ENV]: JSON.stringify({ repositories: ['team/*'] }),
    TOLLGATE_TABLE_NAME: TABLE,
    TOLLGATE_BUS_NAME: 'tollgate',
    TOLLGATE_SIGNING_KEY_ID: 'alias/tollgate-signing',
  };
  resetSettingsCache();
  const dynamo = new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  store = new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    tableName: TABLE,
  });

  // ECR names the registry the images are served at: EcrCredentials hands this token to that host (an
  // anonymous registry ignores it).
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        proxyEndpoint: `http://${registry.host}`,
        authorizationToken: Buffer.from('AWS:x').toString('base64'),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    ],
  });
  kms.on(GetPublicKeyCommand, { KeyId: 'alias/tollgate-signing' }).resolves({
    KeyId: KEY_ARN,
    KeySpec: 'ECC_NIST_P256',
    SigningAlgorithms: ['ECDSA_SHA_256'],
    PublicKey: new Uint8Array(key.publicKey.export({ format: 'der', type: 'spki' })),
  });
  kms.on(SignCommand).callsFake((input: { KeyId?: string; MessageType?: string; Message?: Uint8Array }) => {
    if (input.KeyId !== KEY_ARN || input.MessageType !== 'DIGEST' || input.Message?.length !== 32) {
      throw new Error(
        `unexpected Sign input ${JSON.stringify({ ...input, Message: input.Message?.length })}`,
      );
    }
    return {
      KeyId: KEY_ARN,
      SigningAlgorithm: 'ECDSA_SHA_256',
      Signature: new Uint8Array(signDigestP256(key.privateKey, input.Message)),
    };
  });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

// The handler's JSON logs and EMF metrics go to stdout/stderr; the unit tests assert them, here they are noise.
let quiet: jest.SpyInstance[] = [];
beforeEach(() => {
  eventBridge.resetHistory();
  kms.resetHistory();
  quiet = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation(() => true),
  );
});

afterEach(() => quiet.forEach((spy) => spy.mockRestore()));

afterAll(async () => {
  await registry?.stop();
  await new Promise((resolve) => dynalite?.close(resolve));
  process.env = saved;
  resetSettingsCache();
  ecr.restore();
  kms.restore();
  eventBridge.restore();
});

describe('the sign function over a real registry and DynamoDB', () => {
  it('signs an APPROVED image in all three formats, records the references and publishes them', async () => {
    const repository = 'team/clean';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');

    await expect(invoke('sign', image)).resolves.toBe('signed');

    expect(await valid(image)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    const record = await store.get(image);
    expect(record?.signatures?.map((signature) => signature.format)).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(publishedVerdicts()).toEqual([
      expect.objectContaining({
        EventBusName: 'tollgate',
        Source: 'tollgate',
        DetailType: 'Tollgate Image Verdict',
        Detail: expect.objectContaining({
          verdict: 'APPROVED',
          signatures: record?.signatures,
          correlationId: 'push-1',
        }) as unknown,
      }),
    ]);
  });

  it('signs nothing for a REJECTED image', async () => {
    const repository = 'team/vulnerable';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'REJECTED');

    await expect(invoke('sign', image)).resolves.toBe('refused');

    expect(await valid(image)).toEqual([]);
    expect(await client.findManifest(repository, signatureTag(pushed.digest))).toBeUndefined();
    expect(kms).not.toHaveReceivedCommand(SignCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('signs an index with 2 platforms: 3 digests, each in all three formats', async () => {
    const repository = 'team/multiarch';
    const pushed = await pushTestIndex(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    const children = pushed.children.map((child) => child.digest);
    for (const child of children)
      await judged({ ...image, digest: child }, 'APPROVED', { parent: pushed.digest });
    await judged(image, 'APPROVED', { children });

    await expect(invoke('sign', image)).resolves.toBe('signed');

    for (const digest of [pushed.digest, ...children]) {
      expect(await valid({ ...image, digest })).toEqual([
        'cosign-legacy',
        'sigstore-bundle',
        'vuln-attestation',
      ]);
    }
    expect((await store.get(image))?.signatures).toHaveLength(9);
  });

  it('5 concurrent requests for one digest leave one signature per format and a consistent record', async () => {
    const repository = 'team/busy';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => invoke('sign', image)));
    // A request that lost the record's conditional write twice is retried by Lambda; do what Lambda would.
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(RetryableError);
        await expect(invoke('sign', image)).resolves.toBe('signed');
      }
    }

    const sig = JSON.parse(
      (await client.getManifest(repository, signatureTag(pushed.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(sig.layers).toHaveLength(1);
    const results2 = await verifyImageSignatures(
      {
        registry: client,
        publicKey: pemPublicKey(key.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
      },
      image,
    );
    expect(results2).toHaveLength(3);
    expect(results2.every((result) => result.valid)).toBe(true);
    const recorded = (await store.get(image))?.signatures ?? [];
    expect(recorded.map((signature) => signature.format)).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
  });

  it('two announcements of one decision at once sign it once: kms:Sign exactly 3, the duplicate signs nothing', async () => {
    const repository = 'team/twice';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');
    kms.resetHistory();
    eventBridge.resetHistory();

    const results = await Promise.all([invoke('sign', image), invoke('sign', image)]);
    expect([...results].sort()).toEqual(['duplicate', 'signed']);
    expect(kms.commandCalls(SignCommand)).toHaveLength(3);
    // The verdict is published once, by the request that signed.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);

    // The lease was given back: a later request (the sweep, a retry) is not turned away, and signs nothing new.
    await expect(invoke('sign', image)).resolves.toBe('signed');
    expect(kms.commandCalls(SignCommand)).toHaveLength(3);
  });

  it('the same event delivered twice at once (one lease, two holders of it) still leaves one signature per format', async () => {
    const repository = 'team/delivered-twice';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');

    const results = await Promise.allSettled([
      invoke('sign', image, { id: 'event-delivered-twice' }),
      invoke('sign', image, { id: 'event-delivered-twice' }),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(RetryableError);
        await expect(invoke('sign', image, { id: 'event-delivered-twice' })).resolves.toBe('signed');
      }
    }
    const sig = JSON.parse(
      (await client.getManifest(repository, signatureTag(pushed.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(sig.layers).toHaveLength(1);
    expect(await valid(image)).toHaveLength(3);
    // Every bundle the record names is still in the registry.
    const recorded = (await store.get(image))?.signatures ?? [];
    for (const ref of recorded.filter((one) => one.format !== 'cosign-legacy')) {
      const digest = ref.reference.split('@')[1]! as Digest;
      await expect(client.headManifest(repository, digest)).resolves.toBeDefined();
    }
  });

  it('a live lease on an earlier decision does not hold back signing the newer one (a re-attestation)', async () => {
    const repository = 'team/newer-decision';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');
    const earlier = verdict(image, 'APPROVED');
    const now = new Date();
    await store.claimSigning(image, {
      decidedAt: earlier.decidedAt,
      holder: 'signer-of-the-earlier-decision',
      now: now.toISOString(),
      until: new Date(now.getTime() + 60_000).toISOString(),
    });
    // Decided again meanwhile (the sweep re-attesting from a newer scan).
    const record = (await store.get(image))!;
    const newer = { ...earlier, decidedAt: '2026-01-03T00:00:00.000Z' };
    await store.saveVerdict(image, newer, record.version);
    await store.markAnnounced(image, newer.decidedAt);

    await expect(invoke('sign', image)).resolves.toBe('signed');
  });

  it('a forged lease that ends beyond any signer term does not keep an approved image unsigned', async () => {
    const repository = 'team/forged-lease';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');
    // A principal with write access to the table plants a lease that would never expire.
    const decidedAt = verdict(image, 'APPROVED').decidedAt;
    await expect(
      store.claimSigning(image, {
        decidedAt,
        holder: 'not-a-signer',
        now: new Date().toISOString(),
        until: '9999-01-01T00:00:00.000Z',
      }),
    ).resolves.toBe(true);

    await expect(invoke('sign', image)).resolves.toBe('signed');
    expect(await valid(image)).toHaveLength(3);
  });

  it('remove: a REVOKED image loses our signatures, and the record forgets them; nothing is published', async () => {
    const repository = 'team/revoked';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');
    await invoke('sign', image);
    const approved = await store.get(image);
    await store.saveVerdict(image, verdict(image, 'REVOKED'), approved!.version);
    eventBridge.resetHistory();

    await expect(invoke('remove', image)).resolves.toBe('removed');

    expect(await valid(image)).toEqual([]);
    expect((await store.get(image))?.signatures).toEqual([]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('a replayed request does nothing', async () => {
    const repository = 'team/replayed';
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await judged(image, 'APPROVED');

    await expect(invoke('sign', image, { 'replay-name': 'audit' })).resolves.toBe('replay');

    expect(await valid(image)).toEqual([]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
