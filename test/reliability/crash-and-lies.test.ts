import { startRegistryFront, type ProxiedRequest, type RegistryFront } from '../../local/registry-front';
import { startLocalStackHarness, type LocalStackHarness } from '../e2e/harness';
import { deadLettersFor, readSignatures, verdictEventsFor } from './audit';
import { DeliveryControl } from './delivery';

jest.setTimeout(120_000);

/** The conditional UpdateItem with which sign records its signature references. */
const isSaveSignatures = (request: ProxiedRequest): boolean =>
  String(request.headers['x-amz-target']).endsWith('.UpdateItem') &&
  request.body.toString('utf8').includes('SET signatures = :signatures');

/** The conditional UpdateItem with which the judge records a verdict, for one repository. */
const isSaveVerdict = (request: ProxiedRequest, repository: string): boolean =>
  String(request.headers['x-amz-target']).endsWith('.UpdateItem') &&
  request.body.toString('utf8').includes('SET verdict = :verdict') &&
  request.body.toString('utf8').includes(`image#${repository}@`);

/** Manifest reads by digest in the repositories whose registry lies. */
const LYING_REPOSITORY = 'crash/liar';
const isLyingRead = (request: ProxiedRequest): boolean =>
  request.method === 'GET' && request.path.startsWith(`/v2/${LYING_REPOSITORY}/manifests/sha256:`);

describe('a crash between two steps, and a registry that lies', () => {
  let harness: LocalStackHarness;
  let dynamoProxy: RegistryFront;
  let registryProxy: RegistryFront;
  let control: DeliveryControl;
  /** How many more saveSignatures calls fail with a 500: more than the SDK's 3 attempts ends the invocation. */
  let failSaves = 0;
  /** The repository whose next verdict write is applied but answered with a reset (an ambiguous write). */
  let ambiguousVerdictOf: string | undefined;

  beforeAll(async () => {
    dynamoProxy = await startRegistryFront({
      dialect: 'dynamodb',
      decide: (request) => {
        if (failSaves > 0 && isSaveSignatures(request)) {
          failSaves -= 1;
          return 'server';
        }
        if (ambiguousVerdictOf !== undefined && isSaveVerdict(request, ambiguousVerdictOf)) {
          ambiguousVerdictOf = undefined;
          return 'reset-after';
        }
        return undefined;
      },
    });
    registryProxy = await startRegistryFront({
      dialect: 'registry',
      // One extra byte: the JSON still parses, but no longer hashes to the digest that was asked for.
      tamper: (request) =>
        isLyingRead(request) ? (body) => Buffer.concat([body, Buffer.from(' ')]) : undefined,
    });
    const proxies = { dynamodb: dynamoProxy, registry: registryProxy };
    harness = await startLocalStackHarness({
      front: (service, url) => {
        proxies[service].setTarget(url);
        return Promise.resolve(proxies[service].url);
      },
    });
    control = new DeliveryControl(harness.stack.runtime);
  });
  afterAll(async () => {
    await harness?.stop();
    await dynamoProxy?.stop();
    await registryProxy?.stop();
  });

  const expectSignedOnce = async (repository: string, digest: string): Promise<void> => {
    const record = await harness.awaitRecord(
      repository,
      digest,
      (candidate) => candidate.signatures.length > 0,
    );
    expect(record.outcome).toBe('APPROVED');
    expect(record.signatures.map((signature) => signature.format).sort()).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
    const stored = await readSignatures(harness.stack.registryClient(), { repository, digest });
    // One layer, one bundle, one attestation: the retry found its own signatures and added none.
    expect(stored.legacyLayers).toBe(1);
    expect(Object.values(stored.referrersByType)).toEqual([1, 1]);
    const published = verdictEventsFor(harness.stack.standIn.events(), digest);
    expect(published.map((recorded) => recorded.event.detail.verdict)).toEqual(['APPROVED']);
    expect(deadLettersFor(harness.stack.runtime.deadLetters, digest)).toEqual([]);
  };

  it('signatures written but the record not updated: the retry records them without signing again', async () => {
    // Four failures outlast the SDK's three attempts: the first sign invocation dies after writing to the registry.
    failSaves = 4;
    const image = await harness.pushImage('crash/after-signing');
    await harness.awaitRecord(image.repository, image.digest, (record) => record.signatures.length > 0);
    await harness.idle();
    expect(failSaves).toBe(0);
    const failures = harness.log.filter(
      (line) => line.includes('failed') && line.includes('(Lambda retries)'),
    );
    expect(failures.length).toBeGreaterThan(0);
    await expectSignedOnce(image.repository, image.digest);
  });

  it('the record updated but the event not published: the retry publishes it once', async () => {
    control.hold('crash/before-publish');
    const image = await harness.pushImage('crash/before-publish');
    // Let the pipeline run up to the signing request, then make every PutEvents attempt of the next call fail.
    for (let round = 0; round < 40; round++) {
      await harness.idle();
      const held = control.take();
      const requests = held.filter((delivery) =>
        String((delivery.event as { 'detail-type'?: unknown })['detail-type']).includes('Signing'),
      );
      control.release(held.filter((delivery) => !requests.includes(delivery)));
      if (requests.length > 0) {
        harness.stack.standIn.setFaults({ 'events:PutEvents': { error5xx: 3 } });
        control.release(requests);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const record = await harness.awaitRecord(image.repository, image.digest, (r) => r.signatures.length > 0);
    expect(record.outcome).toBe('APPROVED');
    // Released from now on: the retries, and the verdict event to notify.
    for (
      let round = 0;
      round < 20 && verdictEventsFor(harness.stack.standIn.events(), image.digest).length === 0;
      round++
    ) {
      await harness.idle();
      control.release(control.take());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await harness.idle();
    control.release(control.take());
    await harness.idle();
    harness.stack.standIn.setFaults({});
    await expectSignedOnce(image.repository, image.digest);
  });

  const CRITICAL = [
    { name: 'CVE-2024-3094', severity: 'CRITICAL' as const, package: 'xz-utils', version: '5.6.0', cvss: 10 },
  ];

  it('the verdict recorded but its answer lost (an ambiguous write): the verdict is still published once', async () => {
    ambiguousVerdictOf = 'crash/ambiguous-verdict';
    const image = await harness.pushImage('crash/ambiguous-verdict', { findings: CRITICAL });
    await harness.awaitRecord(image.repository, image.digest);
    await harness.idle();
    expect(ambiguousVerdictOf).toBeUndefined();
    const published = verdictEventsFor(harness.stack.standIn.events(), image.digest);
    expect(published.map((recorded) => recorded.event.detail.verdict)).toEqual(['REJECTED']);
  });

  it('the verdict recorded but its event not published: the retry publishes it once', async () => {
    // The next three PutEvents attempts fail: the SDK gives up, the judging invocation fails after the write.
    const retriesBefore = harness.log.filter((line) => line.includes('(Lambda retries)')).length;
    harness.stack.standIn.setFaults({ 'events:PutEvents': { error5xx: 3 } });
    const image = await harness.pushImage('crash/judge-publish', { findings: CRITICAL });
    await harness.awaitRecord(image.repository, image.digest);
    await harness.idle();
    harness.stack.standIn.setFaults({});
    // The judging invocation failed after its write, and Lambda retried it.
    expect(harness.log.filter((line) => line.includes('(Lambda retries)')).length).toBeGreaterThan(
      retriesBefore,
    );
    const published = verdictEventsFor(harness.stack.standIn.events(), image.digest);
    expect(published.map((recorded) => recorded.event.detail.verdict)).toEqual(['REJECTED']);
  });

  it('a manifest that does not hash to its digest is refused: nothing is signed, nothing approved is published', async () => {
    const image = await harness.pushImage(LYING_REPOSITORY);
    await harness.awaitRecord(image.repository, image.digest);
    await harness.idle();
    expect(registryProxy.counts().tampered).toBeGreaterThan(0);
    const stored = await readSignatures(harness.stack.registryClient(), image);
    expect(stored).toEqual({ legacyLayers: 0, referrersByType: {} });
    const record = await harness.stack.verdicts.read(image.repository, image.digest);
    expect(record?.signatures).toEqual([]);
    const published = verdictEventsFor(harness.stack.standIn.events(), image.digest);
    expect(published.map((recorded) => recorded.event.detail.verdict)).not.toContain('APPROVED');
    // A terminal failure is a verdict, not a dead letter: nothing waits in sign's DLQ.
    expect(deadLettersFor(harness.stack.runtime.deadLetters, image.digest)).toEqual([]);
  });

  it('... and the verdict becomes ERROR (REGISTRY_INTEGRITY), recorded and published once', async () => {
    const [image] = harness.stack.standIn
      .events()
      .filter((recorded) => recorded.event.detail['repository-name'] === LYING_REPOSITORY)
      .map((recorded) => ({
        repository: LYING_REPOSITORY,
        digest: String(recorded.event.detail['image-digest']),
      }));
    const record = await harness.stack.verdicts.read(image!.repository, image!.digest);
    expect(record?.outcome).toBe('ERROR');
    const published = verdictEventsFor(harness.stack.standIn.events(), image!.digest);
    expect(published.map((recorded) => recorded.event.detail.verdict)).toEqual(['ERROR']);
    expect(published[0]!.event.detail.error).toMatchObject({
      code: 'REGISTRY_INTEGRITY',
      message: expect.stringMatching(/hash(es)? to sha256:/) as unknown,
    });
  });
});
