import { generateKeyPairSync, sign as signWith, verify } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import { createHandler, type SignResult } from '../../../../functions/sign/handler';
import { resetSettingsCache } from '../../../../shared/adapters/runtime';
import type { SignFunctionDeps } from '../../../../functions/sign/deps';
import { KmsSigner } from '../../../../shared/adapters/aws/kms';
import {
  DependencyUnavailableError,
  RetryableError,
  type Digest,
  type ImageRef,
} from '../../../../shared/core/domain';
import {
  IMAGE_VERDICT,
  SIGNING_REQUESTED,
  signingRequestedDetail,
  type SigningAction,
} from '../../../../shared/core/events';
import {
  MediaType,
  RegistryIntegrityError,
  RegistryUnavailableError,
  referrersTag,
  sha256Digest,
  type ImageIndex,
  type ImageManifest,
} from '../../../../shared/adapters/oci';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  signatureManifest,
  signatureTag,
  signImage,
  type SigningDeps,
} from '../../../../shared/app/signing';
import { type VerificationResult } from '../../../../shared/app/verify';
import { verifyImageSignatures } from '../../../helpers/verify-formats';
import {
  approvedVerdict,
  captureOutput,
  emittedMetrics,
  lambdaContext,
  localKms,
  MemoryReferrers,
  MemoryRegistry,
  MemoryVerdictStore,
  recordFor,
  RecordingPublisher,
  verdictFor,
  type LocalKms,
} from '../../../doubles';
import { CRITICAL, page, POLICY } from '../../judge/builders';

const REPOSITORY = 'payments/api';
const ECR_HOST = '123456789012.dkr.ecr.us-west-2.amazonaws.com';

interface World {
  readonly registry: MemoryRegistry;
  readonly store: MemoryVerdictStore;
  readonly publisher: RecordingPublisher;
  readonly kms: LocalKms;
  readonly signing: SigningDeps;
  readonly run: (
    action: SigningAction,
    digest: Digest,
    extra?: Record<string, unknown>,
  ) => Promise<SignResult>;
  readonly stdout: ReturnType<typeof captureOutput>;
}

let world: World;

const setUp = (
  formats: SignFunctionDeps['formats'] = ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'],
  judging?: SignFunctionDeps['judging'],
): World => {
  // Without the referrers API, like Distribution 2.x: bundles go through the tag-schema index.
  const registry = new MemoryRegistry({ host: ECR_HOST, referrersApi: false });
  const store = new MemoryVerdictStore();
  const publisher = new RecordingPublisher();
  const kms = localKms();
  const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
  const signing: SigningDeps = {
    signer,
    publicKey: signer,
    registry,
    referrers: new MemoryReferrers(registry),
    backoff: () => Promise.resolve(),
  };
  const handler = createHandler(() => ({
    store,
    publisher,
    formats,
    signing: () => Promise.resolve(signing),
    ...(judging === undefined ? {} : { judging }),
  }));
  const stdout = captureOutput();
  const run = (
    action: SigningAction,
    digest: Digest,
    extra: Record<string, unknown> = {},
  ): Promise<SignResult> =>
    handler(
      {
        version: '0',
        id: 'event-1',
        'detail-type': SIGNING_REQUESTED,
        source: 'tollgate',
        account: '123456789012',
        time: '2026-01-02T03:04:06Z',
        region: 'us-west-2',
        resources: [],
        detail: signingRequestedDetail(
          action,
          { registry: registry.host, repository: REPOSITORY, digest },
          'push-event-1',
        ),
        ...extra,
      },
      lambdaContext('tollgate-sign'),
    );
  return { registry, store, publisher, kms, signing, run, stdout };
};

afterEach(() => world?.stdout.restore());

const imageRef = (digest: Digest): ImageRef => ({
  registry: world.registry.host,
  repository: REPOSITORY,
  digest,
});

const validFormats = async (digest: Digest): Promise<string[]> =>
  (
    await verifyImageSignatures(
      { registry: world.registry, publicKey: world.signing.publicKey },
      imageRef(digest),
    )
  )
    .filter((result: VerificationResult) => result.valid)
    .map((result) => result.format)
    .sort();

const metrics = (): Record<string, unknown> => emittedMetrics(world.stdout.lines());

/** Nothing of any format exists for `digest`, and KMS was never asked to sign. */
const expectUntouched = (digest: Digest): void => {
  expect(world.registry.tags.has(`${REPOSITORY}:${signatureTag(digest)}`)).toBe(false);
  expect(world.registry.tags.has(`${REPOSITORY}:${referrersTag(digest)}`)).toBe(false);
  expect(world.kms.mock).not.toHaveReceivedCommand(SignCommand);
};

describe('sign: an APPROVED image', () => {
  it('is signed in the configured formats, its references saved, and its verdict published with them', async () => {
    world = setUp(['cosign-legacy', 'vuln-attestation']);
    const image = await world.registry.pushImage(REPOSITORY, 'a');
    world.store.put(recordFor(imageRef(image.digest)));

    await expect(world.run('sign', image.digest)).resolves.toBe('signed');

    expect(await validFormats(image.digest)).toEqual(['cosign-legacy', 'vuln-attestation']);
    // Configured off: no sigstore-bundle referrer at all.
    const index = JSON.parse(
      (await world.registry.getManifest(REPOSITORY, referrersTag(image.digest))).bytes.toString(),
    ) as ImageIndex;
    expect(index.manifests.map((entry) => entry.annotations?.['dev.sigstore.bundle.predicateType'])).toEqual([
      'https://cosign.sigstore.dev/attestation/vuln/v1',
    ]);
    // Every KMS call was a 32-byte digest: the handler's KmsSigner, not a RAW message.
    expect(world.kms.mock).toHaveReceivedCommandWith(SignCommand, {
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });

    const sigDigest = (await world.registry.headManifest(REPOSITORY, signatureTag(image.digest)))!.digest;
    const refs = [
      {
        format: 'cosign-legacy',
        reference: `${world.registry.host}/${REPOSITORY}:${signatureTag(image.digest)}@${sigDigest}`,
      },
      {
        format: 'vuln-attestation',
        reference: `${world.registry.host}/${REPOSITORY}@${index.manifests[0]!.digest}`,
      },
    ];
    expect(world.store.signatureSaves).toEqual([
      {
        image: expect.objectContaining({ repository: REPOSITORY, digest: image.digest }) as unknown,
        signatures: refs,
        expectedVersion: 3,
      },
    ]);
    expect(world.publisher.published).toHaveLength(1);
    expect(world.publisher.published[0]).toMatchObject({
      detailType: IMAGE_VERDICT,
      detail: {
        verdict: 'APPROVED',
        image: { registry: world.registry.host, repository: REPOSITORY, digest: image.digest, tags: ['v1'] },
        signatures: refs,
        correlationId: 'push-event-1',
      },
    });
    expect(metrics()).toMatchObject({ ImagesSigned: 1, SignaturesWritten: 2, EventsPublished: 1 });
    expect(typeof metrics().SigningDuration).toBe('number');
    // on-scan counted this APPROVED verdict when it decided it; the signer does not count it twice.
    expect(metrics()).not.toHaveProperty('Verdicts');
  });

  it('signs an index and each of its platform manifests, and records all 9 references on the index', async () => {
    world = setUp();
    const children = [
      await world.registry.pushImage(REPOSITORY, 'amd64'),
      await world.registry.pushImage(REPOSITORY, 'arm64'),
    ];
    const index = await world.registry.pushIndex(REPOSITORY, children);
    world.store.put(recordFor(imageRef(index), { children: children.map((child) => child.digest) }));
    for (const child of children) world.store.put(recordFor(imageRef(child.digest), { parent: index }));

    await expect(world.run('sign', index)).resolves.toBe('signed');

    for (const digest of [index, ...children.map((child) => child.digest)]) {
      expect(await validFormats(digest)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    }
    expect(world.store.signatureSaves[0]?.signatures).toHaveLength(9);
    expect(world.publisher.published[0]?.detail).toMatchObject({
      verdict: 'APPROVED',
      image: { digest: index },
    });
  });

  it('a duplicate request adds no signature and saves nothing, but publishes the verdict again (at least once)', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'dup');
    world.store.put(recordFor(imageRef(image.digest)));
    await world.run('sign', image.digest);
    const signs = world.kms.mock.commandCalls(SignCommand).length;
    const writes = world.registry.writes.length;

    await expect(world.run('sign', image.digest)).resolves.toBe('signed');

    expect(world.kms.mock.commandCalls(SignCommand)).toHaveLength(signs);
    expect(world.registry.writes).toHaveLength(writes);
    expect(world.store.signatureSaves).toHaveLength(1);
    expect(world.publisher.published).toHaveLength(2);
    expect(world.publisher.published[1]?.detail).toEqual(world.publisher.published[0]?.detail);
  });

  it('a lost race on saving is re-read and written once more (signing is idempotent)', async () => {
    world = setUp(['cosign-legacy']);
    const image = await world.registry.pushImage(REPOSITORY, 'race');
    world.store.put(recordFor(imageRef(image.digest)));
    world.store.conflictNext = 1;

    await expect(world.run('sign', image.digest)).resolves.toBe('signed');

    expect(world.store.signatureSaves.map((save) => save.expectedVersion)).toEqual([3, 4]);
    expect(world.store.records.get(`${REPOSITORY}@${image.digest}`)?.signatures).toHaveLength(1);
    expect(world.publisher.published).toHaveLength(1);
  });
});

describe('sign: fail closed', () => {
  it.each([
    ['REJECTED', { verdict: 'REJECTED' }],
    ['REVOKED', { verdict: 'REVOKED' }],
    ['ERROR', { verdict: 'ERROR' }],
    ['PENDING_SCAN', { status: 'PENDING_SCAN' }],
    ['DELETED', { status: 'DELETED' }],
  ] as const)('a %s record: nothing signed, saved or published', async (_, state) => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'refused');
    const ref = imageRef(image.digest);
    world.store.put(
      recordFor(ref, {
        ...('verdict' in state ? { verdict: verdictFor(ref, state.verdict) } : {}),
        ...('status' in state ? { status: state.status } : {}),
      }),
    );

    await expect(world.run('sign', image.digest)).resolves.toBe('refused');

    expectUntouched(image.digest);
    expect(world.store.signatureSaves).toEqual([]);
    expect(world.publisher.published).toEqual([]);
    expect(metrics()).toMatchObject({ SigningRefused: 1 });
  });

  it('no record at all: nothing signed', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'unknown');

    await expect(world.run('sign', image.digest)).resolves.toBe('refused');

    expectUntouched(image.digest);
    expect(world.publisher.published).toEqual([]);
  });

  it('an ERROR recorded but never announced (a crash after the write): the retry announces it, once', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'pending-error');
    world.store.put(
      recordFor(imageRef(image.digest), {
        verdict: verdictFor(imageRef(image.digest), 'ERROR'),
        announcementPending: true,
      }),
    );

    await expect(world.run('sign', image.digest)).resolves.toBe('refused');
    await expect(world.run('sign', image.digest)).resolves.toBe('refused');

    expectUntouched(image.digest);
    expect(
      world.publisher.published.map((event) => [
        event.detailType,
        (event.detail as { verdict?: string }).verdict,
      ]),
    ).toEqual([[IMAGE_VERDICT, 'ERROR']]);
  });

  it('a request naming another registry than the record: nothing signed', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'elsewhere');
    world.store.put(recordFor({ ...imageRef(image.digest), registry: 'evil.example.com' }));

    await expect(world.run('sign', image.digest)).resolves.toBe('refused');

    expectUntouched(image.digest);
  });

  describe('a request naming a spoke (docs/organization.md)', () => {
    const SPOKE = { account: '111111111111', region: 'us-west-2' };
    const withConfig = (config: Record<string, unknown>): void => {
      process.env.TOLLGATE_CONFIG = JSON.stringify({ repositories: ['payments/*'], ...config });
      resetSettingsCache();
    };
    const organization = {
      id: 'o-a1b2c3d4e5',
      hub: { account: '123456789012', region: 'us-west-2' },
      spokes: [{ accounts: [SPOKE.account], regions: [SPOKE.region] }],
    };
    afterEach(() => {
      delete process.env.TOLLGATE_CONFIG;
      resetSettingsCache();
    });
    const runScoped = (digest: Digest, scope: Record<string, string>): Promise<SignResult> =>
      world.run('sign', digest, {
        detail: {
          ...signingRequestedDetail('sign', {
            registry: world.registry.host,
            repository: REPOSITORY,
            digest,
          }),
          scope,
        },
      });

    it('an account that is not a spoke, or any scope without an organization: refused before anything is read', async () => {
      world = setUp();
      const image = await world.registry.pushImage(REPOSITORY, 'outsider');
      // Even an APPROVED record under that scope is not signed: the scope itself is refused.
      world.store.put(
        recordFor({ ...imageRef(image.digest), scope: { account: '999999999999', region: 'us-west-2' } }),
      );
      world.store.put(recordFor({ ...imageRef(image.digest), scope: SPOKE }));

      withConfig({ organization });
      await expect(runScoped(image.digest, { account: '999999999999', region: 'us-west-2' })).resolves.toBe(
        'refused',
      );
      withConfig({});
      await expect(runScoped(image.digest, SPOKE)).resolves.toBe('refused');

      expectUntouched(image.digest);
      expect(world.publisher.published).toEqual([]);
      expect(
        world.stdout
          .lines()
          .filter((line) => line.message === 'signing request refused')
          .map((line) => line.reason),
      ).toEqual([
        '999999999999 in us-west-2 is not a spoke of this hub',
        '111111111111 in us-west-2 is not a spoke of this hub',
      ]);
    });

    it("a spoke's request signs that spoke's record, never the hub's record of the same digest", async () => {
      withConfig({ organization });
      world = setUp();
      const image = await world.registry.pushImage(REPOSITORY, 'spoke-a');
      // The hub's own record of the digest is REJECTED; the spoke's is APPROVED. They are two images.
      world.store.put(
        recordFor(imageRef(image.digest), { verdict: verdictFor(imageRef(image.digest), 'REJECTED') }),
      );
      world.store.put(recordFor({ ...imageRef(image.digest), scope: SPOKE }));

      await expect(runScoped(image.digest, SPOKE)).resolves.toBe('signed');
      await expect(validFormats(image.digest)).resolves.toEqual([
        'cosign-legacy',
        'sigstore-bundle',
        'vuln-attestation',
      ]);
      await expect(
        world.store.get({ repository: REPOSITORY, digest: image.digest, scope: SPOKE }),
      ).resolves.toMatchObject({
        signatures: expect.arrayContaining([expect.anything()]) as never,
      });
      await expect(
        world.store.get({ repository: REPOSITORY, digest: image.digest }),
      ).resolves.not.toHaveProperty('signatures');
      const [verdict] = world.publisher.published.filter((event) => event.detailType === IMAGE_VERDICT);
      expect((verdict!.detail as { image: unknown }).image).toMatchObject(SPOKE);
    });
  });

  it('revoked between the children of an index: stops, and takes off what it had written', async () => {
    world = setUp();
    const children = [
      await world.registry.pushImage(REPOSITORY, 'c1'),
      await world.registry.pushImage(REPOSITORY, 'c2'),
    ];
    const index = await world.registry.pushIndex(REPOSITORY, children);
    const indexRef = imageRef(index);
    world.store.put(recordFor(indexRef, { children: children.map((child) => child.digest) }));
    for (const child of children) world.store.put(recordFor(imageRef(child.digest), { parent: index }));
    // on-scan revokes the second platform image while the first is being signed: after the signer checked every
    // entry before signing any (the first read), before the second is signed (the second read).
    const second = `${REPOSITORY}@${children[1]!.digest}`;
    const signedBefore: Digest[] = [];
    let reads = 0;
    world.store.onGet = (key) => {
      if (key !== second || ++reads !== 2) return;
      const child = world.store.records.get(key)!;
      signedBefore.push(
        ...[index, children[0]!.digest].filter((d) =>
          world.registry.tags.has(`${REPOSITORY}:${signatureTag(d)}`),
        ),
      );
      world.store.put({ ...child, verdict: verdictFor(imageRef(children[1]!.digest), 'REVOKED') });
    };

    await expect(world.run('sign', index)).resolves.toBe('revoked-while-signing');

    // The index and the first child had been signed when the revocation was seen ...
    expect(signedBefore).toEqual([index, children[0]!.digest]);
    // ... the second never was, and what had been written was never recorded, so it is gone again.
    for (const digest of [index, ...children.map((child) => child.digest)])
      expect(await validFormats(digest)).toEqual([]);
    expect(world.kms.mock.commandCalls(SignCommand)).toHaveLength(6);
    expect(world.store.signatureSaves).toEqual([]);
    expect(world.publisher.published).toEqual([]);
    // Per digest: the .sig layer, two bundle referrers and the .att layer.
    expect(metrics()).toMatchObject({ SigningRevokedMidway: 1, SignaturesRemoved: 8 });
  });

  it('revoked after signing but before saving: nothing recorded or published, and our signatures are gone', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'late');
    const ref = imageRef(image.digest);
    world.store.put(recordFor(ref));
    // on-scan revokes it right after the last digest was signed; our conditional write then loses.
    const save = world.store.saveSignatures.bind(world.store);
    world.store.saveSignatures = (key, signatures, expectedVersion) => {
      world.store.put(recordFor(ref, { verdict: verdictFor(ref, 'REVOKED'), version: 4 }));
      return save(key, signatures, expectedVersion);
    };

    await expect(world.run('sign', image.digest)).resolves.toBe('revoked-while-signing');

    expect(await validFormats(image.digest)).toEqual([]);
    expect(world.store.records.get(`${REPOSITORY}@${image.digest}`)?.signatures).toBeUndefined();
    expect(world.publisher.published).toEqual([]);
  });

  it('an archive replay signs nothing and reads nothing', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'replay');
    world.store.put(recordFor(imageRef(image.digest)));

    await expect(world.run('sign', image.digest, { 'replay-name': 'audit-2026-01' })).resolves.toBe('replay');

    expectUntouched(image.digest);
    expect(world.store.gets).toBe(0);
    expect(world.publisher.published).toEqual([]);
    expect(metrics()).toMatchObject({ ReplaysIgnored: 1 });
  });

  it('a malformed request is counted and not retried', async () => {
    world = setUp();

    await expect(world.run('sign', 'sha256:nothex' as Digest)).resolves.toBe('malformed');

    expect(world.store.gets).toBe(0);
    expect(metrics()).toMatchObject({ MalformedEvents: 1 });
  });

  it('an unreachable registry throws a retryable error, so Lambda retries and then dead-letters', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'down');
    world.store.put(recordFor(imageRef(image.digest)));
    world.registry.failNext = new RegistryUnavailableError('GET /v2/ answered 503', 503);

    const failure = world.run('sign', image.digest);

    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    expect(world.publisher.published).toEqual([]);
    expect(metrics()).toMatchObject({ SigningRetried: 1 });
  });

  it('a registry serving bytes that do not match the digest: nothing signed, the verdict becomes ERROR', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'lying');
    world.store.put(recordFor(imageRef(image.digest)));
    world.registry.failNext = new RegistryIntegrityError(`manifest ${image.digest} hashes to sha256:0000`);

    await expect(world.run('sign', image.digest)).resolves.toBe('failed');

    expectUntouched(image.digest);
    const record = world.store.records.get(`${REPOSITORY}@${image.digest}`);
    expect(record?.verdict).toMatchObject({ outcome: 'ERROR', error: { code: 'REGISTRY_INTEGRITY' } });
    expect(record?.announcementPending).toBeUndefined();
    expect(world.publisher.published).toEqual([
      expect.objectContaining({
        detailType: 'Tollgate Image Verdict',
        detail: expect.objectContaining({
          verdict: 'ERROR',
          signatures: [],
          error: { code: 'REGISTRY_INTEGRITY', message: expect.stringContaining('hashes to') as unknown },
        }) as unknown,
      }),
    ]);
    expect(metrics()).toMatchObject({ SigningFailed: 1 });
  });

  it('the ERROR write loses a race with a tag being recorded: thrown for a retry, never left approved and silent', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'raced');
    world.store.put(recordFor(imageRef(image.digest)));
    world.registry.failNext = new RegistryIntegrityError(`manifest ${image.digest} hashes to sha256:0000`);
    // The next conditional write (the ERROR verdict) is refused, as if on-push recorded a second tag just before.
    world.store.conflictNext = 1;

    await expect(world.run('sign', image.digest)).rejects.toBeInstanceOf(RetryableError);
    expectUntouched(image.digest);
    expect(world.publisher.published).toEqual([]);

    // Lambda's retry: the registry serves the right bytes now, so the approval is signed and published.
    await expect(world.run('sign', image.digest)).resolves.toBe('signed');
    expect(world.publisher.published).toEqual([
      expect.objectContaining({
        detailType: 'Tollgate Image Verdict',
        detail: expect.objectContaining({ verdict: 'APPROVED' }) as unknown,
      }),
    ]);
  });

  it('a verdict EventBridge keeps refusing is counted as EventsFailed, and the invocation fails', async () => {
    world = setUp(['cosign-legacy']);
    const image = await world.registry.pushImage(REPOSITORY, 'refused');
    world.store.put(recordFor(imageRef(image.digest)));
    jest
      .spyOn(world.publisher, 'publish')
      .mockRejectedValue(new DependencyUnavailableError('EventBridge refused 1 event(s) after 4 attempts'));

    await expect(world.run('sign', image.digest)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(metrics()).toMatchObject({ EventsFailed: 1, SigningRetried: 1 });
    expect(metrics()).not.toHaveProperty('EventsPublished');
  });
});

describe('remove: revocation with remove-signatures', () => {
  const foreignKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  /** A signature by someone else, in the `.sig` manifest before ours. */
  const addForeignLegacy = async (digest: Digest): Promise<void> => {
    const payload = Buffer.from(
      `{"critical":{"identity":{"docker-reference":"${world.registry.host}/${REPOSITORY}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    const signature = signWith('sha256', payload, foreignKey.privateKey).toString('base64');
    const manifest = signatureManifest([], { payload, signature });
    for (const blob of manifest.blobs) await world.registry.putBlob(REPOSITORY, blob.bytes);
    await world.registry.putManifest(REPOSITORY, signatureTag(digest), {
      mediaType: MediaType.ociManifest,
      bytes: manifest.bytes,
    });
  };

  /** Someone else's cosign v3 bundle, signed with their key, as a referrer of the image. */
  const addForeignBundle = async (digest: Digest): Promise<void> => {
    const kms = localKms('arn:aws:kms:us-west-2:210987654321:key/foreign');
    const signer = new KmsSigner(kms.client, 'alias/theirs');
    await signImage(
      {
        signer,
        publicKey: signer,
        registry: world.registry,
        referrers: new MemoryReferrers(world.registry),
        backoff: () => Promise.resolve(),
      },
      imageRef(digest),
      approvedVerdict(imageRef(digest)),
      ['sigstore-bundle'],
    );
  };

  it('removes only our layer and our referrers; other signers keep theirs; the record forgets ours', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'revoked');
    const ref = imageRef(image.digest);
    await addForeignLegacy(image.digest);
    await addForeignBundle(image.digest);
    const ours = await signImage(world.signing, ref, approvedVerdict(ref));
    world.store.put(recordFor(ref, { verdict: verdictFor(ref, 'REVOKED'), signatures: ours }));

    await expect(world.run('remove', image.digest)).resolves.toBe('removed');

    const sig = JSON.parse(
      (await world.registry.getManifest(REPOSITORY, signatureTag(image.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(sig.layers).toHaveLength(1);
    const layer = sig.layers[0]!;
    const payload = await world.registry.getBlob(REPOSITORY, layer.digest);
    const signature = Buffer.from(layer.annotations![COSIGN_SIGNATURE_ANNOTATION]!, 'base64');
    expect(verify('sha256', payload, foreignKey.publicKey, signature)).toBe(true);
    const index = JSON.parse(
      (await world.registry.getManifest(REPOSITORY, referrersTag(image.digest))).bytes.toString(),
    ) as ImageIndex;
    expect(index.manifests).toHaveLength(1);
    expect(await validFormats(image.digest)).toEqual([]);
    // Our referrers are deleted, not just unlisted.
    for (const signature of ours.filter((s) => s.format !== 'cosign-legacy')) {
      expect(
        await world.registry.findManifest(REPOSITORY, signature.reference.split('@')[1]!),
      ).toBeUndefined();
    }
    expect(world.store.records.get(`${REPOSITORY}@${image.digest}`)?.signatures).toEqual([]);
    expect(world.publisher.published).toEqual([]);
    expect(world.kms.mock.commandCalls(SignCommand)).toHaveLength(3);
    // Ours: the .sig layer, two bundle referrers and the .att layer.
    expect(metrics()).toMatchObject({ SignaturesRemoved: 4 });
  });

  it('when ours was the only layer, the .sig manifest is deleted, as cosign clean does', async () => {
    world = setUp(['cosign-legacy']);
    const image = await world.registry.pushImage(REPOSITORY, 'alone');
    const ref = imageRef(image.digest);
    const ours = await signImage(world.signing, ref, approvedVerdict(ref), ['cosign-legacy']);
    world.store.put(recordFor(ref, { verdict: verdictFor(ref, 'REVOKED'), signatures: ours }));

    await expect(world.run('remove', image.digest)).resolves.toBe('removed');

    expect(await world.registry.findManifest(REPOSITORY, signatureTag(image.digest))).toBeUndefined();
    expect(world.registry.writes).toContain(`DELETE ${REPOSITORY}@${ours[0]!.reference.split('@')[1]}`);
  });

  it('an image APPROVED again since keeps its signatures', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'again');
    const ref = imageRef(image.digest);
    const ours = await signImage(world.signing, ref, approvedVerdict(ref));
    world.store.put(recordFor(ref, { signatures: ours }));
    const writes = world.registry.writes.length;

    await expect(world.run('remove', image.digest)).resolves.toBe('removal-skipped');

    expect(world.registry.writes).toHaveLength(writes);
    expect(await validFormats(image.digest)).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
    expect(metrics()).toMatchObject({ SignatureRemovalSkipped: 1 });
  });

  it('a replayed removal removes nothing', async () => {
    world = setUp();
    const image = await world.registry.pushImage(REPOSITORY, 'replayed');
    const ref = imageRef(image.digest);
    const ours = await signImage(world.signing, ref, approvedVerdict(ref));
    world.store.put(recordFor(ref, { verdict: verdictFor(ref, 'REVOKED'), signatures: ours }));

    await expect(world.run('remove', image.digest, { 'replay-name': 'r' })).resolves.toBe('replay');

    expect(await validFormats(image.digest)).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
  });
});

describe('sign: only what was judged, digest by digest (issue 13)', () => {
  const IN_TOTO = 'application/vnd.in-toto+json';

  /** Pushes an index listing `entries` as given: annotations and platforms are the pusher's to write. */
  const pushRawIndex = async (entries: readonly object[], mediaType: string = MediaType.ociIndex) => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }));
    return (await world.registry.putManifest(REPOSITORY, sha256Digest(bytes), { mediaType, bytes })).digest;
  };
  /** A BuildKit-style attestation manifest: an in-toto statement as its only layer. */
  const pushAttestation = async (subject: Digest) => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject }));
    const config = Buffer.from('{}');
    await world.registry.putBlob(REPOSITORY, statement);
    await world.registry.putBlob(REPOSITORY, config);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
        layers: [{ mediaType: IN_TOTO, digest: sha256Digest(statement), size: statement.length }],
      }),
    );
    const { digest } = await world.registry.putManifest(REPOSITORY, sha256Digest(bytes), {
      mediaType: MediaType.ociManifest,
      bytes,
    });
    return { digest, size: bytes.length };
  };
  const entry = (child: { digest: Digest; size: number }, extra: object = {}) => ({
    mediaType: MediaType.ociManifest,
    digest: child.digest,
    size: child.size,
    ...extra,
  });
  const asAttestation = (of: Digest) => ({
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': of },
  });
  /** No signature of any format exists for `digest`, read back from the registry. */
  const expectNoSignature = async (digest: Digest): Promise<void> => {
    expect(await validFormats(digest)).toEqual([]);
    expect(world.registry.tags.has(`${REPOSITORY}:${signatureTag(digest)}`)).toBe(false);
    expect(world.registry.tags.has(`${REPOSITORY}:${referrersTag(digest)}`)).toBe(false);
  };

  it.each([
    ['annotated as an attestation, unknown/unknown platform', true, MediaType.ociIndex],
    ['without any annotation', false, MediaType.ociIndex],
    ['in a Docker manifest list', true, MediaType.dockerManifestList],
  ])(
    'an APPROVED index whose record predates content checks, with a runnable entry %s: nothing signed, ERROR names it',
    async (_, annotate, mediaType) => {
      world = setUp();
      const good = await world.registry.pushImage(REPOSITORY, 'amd64');
      const smuggled = await world.registry.pushImage(REPOSITORY, 'vulnerable');
      const index = await pushRawIndex(
        [entry(good), entry(smuggled, annotate ? asAttestation(good.digest) : {})],
        mediaType,
      );
      // The record lists only the entry the old classifier kept; the smuggled one has no record at all.
      world.store.put(recordFor(imageRef(index), { children: [good.digest] }));
      world.store.put(recordFor(imageRef(good.digest), { parent: index }));

      await expect(world.run('sign', index)).resolves.toBe('failed');

      for (const digest of [index, good.digest, smuggled.digest]) await expectNoSignature(digest);
      expect(world.kms.mock).not.toHaveReceivedCommand(SignCommand);
      const [event] = world.publisher.published;
      expect(event?.detail).toMatchObject({ verdict: 'ERROR', error: { code: 'UNJUDGED_ENTRY' } });
      expect(JSON.stringify(event?.detail)).toContain(smuggled.digest);
    },
  );

  it('an entry whose own record is REJECTED is never signed on the index’s approval', async () => {
    world = setUp();
    const good = await world.registry.pushImage(REPOSITORY, 'amd64');
    const bad = await world.registry.pushImage(REPOSITORY, 'vulnerable');
    const index = await pushRawIndex([entry(good), entry(bad, asAttestation(good.digest))]);
    world.store.put(recordFor(imageRef(index), { children: [good.digest] }));
    world.store.put(recordFor(imageRef(good.digest), { parent: index }));
    world.store.put(
      recordFor(imageRef(bad.digest), { verdict: verdictFor(imageRef(bad.digest), 'REJECTED') }),
    );

    await expect(world.run('sign', index)).resolves.not.toBe('signed');

    for (const digest of [index, good.digest, bad.digest]) await expectNoSignature(digest);
  });

  it('a real attestation manifest in the index is neither signed nor needs a record; the rest is signed', async () => {
    world = setUp();
    const good = await world.registry.pushImage(REPOSITORY, 'amd64');
    const attestation = await pushAttestation(good.digest);
    const index = await pushRawIndex([entry(good), entry(attestation, asAttestation(good.digest))]);
    world.store.put(recordFor(imageRef(index), { children: [good.digest] }));
    world.store.put(recordFor(imageRef(good.digest), { parent: index }));

    await expect(world.run('sign', index)).resolves.toBe('signed');

    for (const digest of [index, good.digest]) {
      expect(await validFormats(digest)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    }
    await expectNoSignature(attestation.digest);
  });

  describe('an approval recorded under another policy than the deployed one', () => {
    const policy = POLICY;
    const findings = (pages: Record<string, unknown>[]) => ({
      read: () => Promise.resolve({ kind: 'found' as const, pages }),
    });
    const settings = {
      signatures: { formats: ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'] as const },
      revocation: 'alert' as const,
    } as unknown as NonNullable<SignFunctionDeps['judging']>['settings'];

    it('is judged again, not signed: a now-refused image becomes REVOKED and is published', async () => {
      world = setUp(undefined, { findings: findings([page({ findings: [CRITICAL] })]), policy, settings });
      const image = await world.registry.pushImage(REPOSITORY, 'old-policy');
      world.store.put(recordFor(imageRef(image.digest)));

      await expect(world.run('sign', image.digest)).resolves.toBe('rejudged');

      await expectNoSignature(image.digest);
      expect(world.kms.mock).not.toHaveReceivedCommand(SignCommand);
      const record = world.store.records.get(`${REPOSITORY}@${image.digest}`);
      expect(record?.verdict).toMatchObject({ outcome: 'REVOKED', policyDigest: policy.digest });
      const [event] = world.publisher.published;
      expect(event?.detailType).toBe(IMAGE_VERDICT);
      expect(event?.detail).toMatchObject({ verdict: 'REVOKED' });
      expect(JSON.stringify(event?.detail)).toContain('judged again before signing');
    });

    it('an image the deployed policy approves is re-approved and asks for signing anew, then signs', async () => {
      world = setUp(undefined, { findings: findings([page({ findings: [] })]), policy, settings });
      const image = await world.registry.pushImage(REPOSITORY, 'old-policy-clean');
      world.store.put(recordFor(imageRef(image.digest)));

      await expect(world.run('sign', image.digest)).resolves.toBe('rejudged');
      await expectNoSignature(image.digest);
      expect(world.publisher.published.map((event) => event.detailType)).toEqual([SIGNING_REQUESTED]);

      // The new request finds an approval under the deployed policy, and signs.
      await expect(world.run('sign', image.digest)).resolves.toBe('signed');
      expect(await validFormats(image.digest)).toEqual([
        'cosign-legacy',
        'sigstore-bundle',
        'vuln-attestation',
      ]);
    });
  });
});
