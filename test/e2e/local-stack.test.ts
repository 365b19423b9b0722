import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRegistryUrl } from '../../local/registry-url';
import { tarArchive } from '../../local/sample-images';
import type { RecordedEvent } from '../../local/aws';
import { IMAGE_VERDICT } from '../../shared/core/events/tollgate-detail-types';
import type { RecordedInvocation } from '../fixtures/handlers/recorder';
import { startTestRegistry, type TestRegistry } from '../helpers/oci/test-registry';
import { startLocalStackHarness, type LocalStackHarness } from './harness';
import { RECORDER_BUS, RECORDER_SOURCE, recorderTemplate } from './recorder-stack';
import { loadSampleEvent } from '../helpers/shared-data';

jest.setTimeout(180_000);

const SAMPLE_PUSH = loadSampleEvent('ecr-image-action-push.json') as Record<string, unknown> & {
  detail: Record<string, unknown>;
};

const CRITICAL = [
  { name: 'CVE-2024-3094', severity: 'CRITICAL' as const, package: 'xz-utils', version: '5.6.0', cvss: 10 },
];

/** The docker-registry processes serving from `stateDir`, by their command line. */
const registryProcesses = (stateDir: string): string[] =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('docker-registry') && line.includes(stateDir));

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * A push the way any OCI client makes it, over the Distribution HTTP API with nothing of ours in between:
 * monolithic blob uploads (POST, then PUT with the digest), then the manifest by tag.
 */
const pushWithPlainHttp = async (registryUrl: string, repository: string, tag: string): Promise<string> => {
  const layer = tarArchive([{ name: 'hello.txt', content: `hello ${randomBytes(8).toString('hex')}\n` }]);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  for (const blob of [layer, config]) {
    const start = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    expect(start.status).toBe(202);
    const location = new URL(start.headers.get('location')!, registryUrl);
    location.searchParams.set('digest', sha256(blob));
    const put = await fetch(location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: blob,
    });
    expect(put.status).toBe(201);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length },
      ],
    }),
  );
  const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  expect(put.status).toBe(201);
  return sha256(manifest);
};

const isImageAction = (digest: string) => (recorded: RecordedEvent) =>
  recorded.bus === 'default' &&
  recorded.event['detail-type'] === 'ECR Image Action' &&
  recorded.event.detail['image-digest'] === digest;

const isVerdictFor = (digest: string) => (recorded: RecordedEvent) =>
  recorded.bus === 'tollgate' &&
  recorded.event['detail-type'] === IMAGE_VERDICT &&
  (recorded.event.detail.image as { digest?: string } | undefined)?.digest === digest;

describe('the Tollgate stack, run locally from its synthesized template', () => {
  let harness: LocalStackHarness;
  beforeAll(async () => {
    harness = await startLocalStackHarness();
  });
  afterAll(() => harness?.stop());

  it('turns a push by a plain OCI client into the ECR Image Action event ECR puts on the default bus', async () => {
    const digest = await pushWithPlainHttp(harness.stack.registry.url, 'payments/api', '1.4.2');

    const { event } = await harness.awaitEvent(isImageAction(digest));

    // The same envelope and detail keys as the event ECR sends (shared/events/ecr-image-action-push.json)...
    expect(Object.keys(event).sort()).toEqual(Object.keys(SAMPLE_PUSH).sort());
    expect(Object.keys(event.detail).sort()).toEqual(Object.keys(SAMPLE_PUSH.detail).sort());
    // ...with the same values, except what names this account, this image and this moment.
    expect(event).toMatchObject({
      version: SAMPLE_PUSH.version,
      source: SAMPLE_PUSH.source,
      'detail-type': SAMPLE_PUSH['detail-type'],
      account: harness.stack.environment.accountId,
      region: harness.stack.environment.region,
      resources: [],
      detail: {
        ...SAMPLE_PUSH.detail,
        'image-digest': digest,
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // And the template's rule sent it to on-push.
    await harness.awaitRecord('payments/api', digest, (record) => record.status !== undefined);
  });

  it('runs the production handlers end to end: a clean image is approved and signed, a critical one rejected', async () => {
    const clean = await harness.pushImage('samples/clean');
    const critical = await harness.pushImage('samples/critical', { findings: CRITICAL });

    const approved = await harness.awaitEvent(isVerdictFor(clean.digest));
    const rejected = await harness.awaitEvent(isVerdictFor(critical.digest));

    expect(approved.event.detail).toMatchObject({ verdict: 'APPROVED' });
    expect(rejected.event.detail).toMatchObject({
      verdict: 'REJECTED',
      blocking: [{ id: 'CVE-2024-3094', severity: 'CRITICAL' }],
    });
    const record = await harness.awaitRecord('samples/clean', clean.digest);
    expect(record.outcome).toBe('APPROVED');
    expect(record.signatures.map((signature) => signature.format).sort()).toEqual(
      ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'].sort(),
    );
    // Signed by the stand-in's KMS key, through the real SDK.
    expect(harness.stack.standIn.calls()['kms:Sign']).toBeGreaterThan(0);
    expect((await harness.awaitRecord('samples/critical', critical.digest)).outcome).toBe('REJECTED');
  });
});

describe('routing: the event patterns of the synthesized template decide which handler runs', () => {
  const recordFile = (dir: string): string => join(dir, 'invocations.jsonl');
  const invocations = (file: string): RecordedInvocation[] => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as RecordedInvocation);
    } catch {
      return [];
    }
  };
  const kindEvent = (kind: string) => ({
    bus: RECORDER_BUS,
    source: RECORDER_SOURCE,
    detailType: 'Recorder Test',
    detail: { kind },
  });

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-recorder-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('invokes only the functions whose rule matches, with their own environment from the template', async () => {
    const file = recordFile(dir);
    const harness = await startLocalStackHarness({
      template: recorderTemplate({
        recordFile: file,
        alphaPattern: { source: [RECORDER_SOURCE], detail: { kind: ['alpha'] } },
      }),
    });
    try {
      const alphaRule = harness.stack.deployment.rules.find((rule) => rule.logicalId.startsWith('AlphaRule'));
      expect(alphaRule?.pattern).toEqual({ source: [RECORDER_SOURCE], detail: { kind: ['alpha'] } });

      await harness.putEvent(kindEvent('gamma'));
      // The rules are on the custom bus: the default bus reaches none of them.
      const { bus: _custom, ...onDefaultBus } = kindEvent('alpha');
      await harness.putEvent(onDefaultBus);
      await harness.idle();
      expect(invocations(file)).toEqual([]);

      const alphaId = await harness.putEvent(kindEvent('alpha'));
      await harness.putEvent(kindEvent('beta'));
      await harness.idle();

      const seen = invocations(file);
      expect(seen.map((line) => line.name).sort()).toEqual(['alpha', 'beta']);
      const alpha = seen.find((line) => line.name === 'alpha')!;
      const beta = seen.find((line) => line.name === 'beta')!;
      expect(alpha.event).toMatchObject({ id: alphaId, source: RECORDER_SOURCE, detail: { kind: 'alpha' } });
      // Each function has its own name, task root and environment; beta's Ref to alpha is resolved.
      expect(alpha.functionName).not.toBe(beta.functionName);
      expect(beta.env.otherName).toBe(alpha.functionName);
      expect(alpha.env.taskRoot).not.toBe(beta.env.taskRoot);
      expect(alpha.env.region).toBe(harness.stack.environment.region);
      expect(alpha.remainingMs).toBeGreaterThan(0);
    } finally {
      await harness.stop();
    }
  });

  it('follows the template when the pattern changes: the same events now reach a different handler', async () => {
    const file = recordFile(dir);
    const harness = await startLocalStackHarness({
      template: recorderTemplate({
        recordFile: file,
        alphaPattern: { source: [RECORDER_SOURCE], detail: { kind: ['gamma'] } },
      }),
    });
    try {
      await harness.putEvent(kindEvent('alpha'));
      await harness.idle();
      expect(invocations(file)).toEqual([]);

      await harness.putEvent(kindEvent('gamma'));
      await harness.idle();
      expect(invocations(file).map((line) => line.name)).toEqual(['alpha']);
    } finally {
      await harness.stop();
    }
  });

  it('retries a failing asynchronous invocation twice, then hands it to the on-failure destination', async () => {
    const file = recordFile(dir);
    const harness = await startLocalStackHarness({
      template: recorderTemplate({ recordFile: file, alphaPattern: { source: [RECORDER_SOURCE] } }),
    });
    try {
      const failing = harness.stack.deployment.functions.find((fn) => fn.logicalId.startsWith('Failing'))!;
      expect(failing.onFailure).toMatch(/^arn:aws:sqs:.*:FailingDeadLetters/);

      const eventId = await harness.putEvent(kindEvent('fail'));
      await harness.idle();

      const attempts = invocations(file).filter((line) => line.name === 'failing');
      expect(attempts).toHaveLength(3);
      // One asynchronous event: the same request id on every attempt, as Lambda keeps it.
      expect(new Set(attempts.map((line) => line.requestId)).size).toBe(1);
      expect(harness.stack.runtime.deadLetters).toEqual([
        expect.objectContaining({
          functionName: failing.functionName,
          destination: failing.onFailure,
          record: expect.objectContaining({
            requestContext: expect.objectContaining({
              condition: 'RetriesExhausted',
              approximateInvokeCount: 3,
              requestId: attempts[0]!.requestId,
            }) as unknown,
            requestPayload: expect.objectContaining({ id: eventId }) as unknown,
            responsePayload: expect.objectContaining({
              errorType: 'Error',
              errorMessage: 'recorder failing was told to fail',
            }) as unknown,
          }) as unknown,
        }),
      ]);
      expect(
        harness.log.some((line) => line.includes('dead letter') && line.includes(failing.onFailure!)),
      ).toBe(true);
    } finally {
      await harness.stop();
    }
  });
});

describe.each(['anonymous', 'basic'] as const)(
  '--registry: a registry that is already running (%s)',
  (auth) => {
    let registry: TestRegistry;
    let harness: LocalStackHarness;
    beforeAll(async () => {
      registry = await startTestRegistry(auth);
      const credentials = registry.credentials;
      const userInfo =
        credentials === undefined
          ? ''
          : `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`;
      harness = await startLocalStackHarness({
        registry: parseRegistryUrl(`http://${userInfo}${registry.host}`),
      });
    });
    afterAll(async () => {
      await harness?.stop();
      await registry?.stop();
    });

    it('sees pushes by polling its catalog and tags, and runs the same pipeline', async () => {
      const image = await harness.pushImage('web/frontend');
      await harness.awaitEvent(isImageAction(image.digest));
      expect(harness.log).toContain(`registry watcher: web/frontend:v1 → ${image.digest}`);
      // The stand-in reads the image through the registry's credentials: the judge sees the scan.
      const record = await harness.awaitRecord('web/frontend', image.digest);
      expect(record.outcome).toBe('APPROVED');
      // Signed through the registry's own credentials: EcrCredentials hands the token from
      // GetAuthorizationToken to the host its proxyEndpoint names.
      const verdict = await harness.awaitEvent(isVerdictFor(image.digest));
      expect(verdict.event.detail).toMatchObject({ verdict: 'APPROVED' });
      expect((verdict.event.detail as { signatures?: unknown[] }).signatures).toHaveLength(3);
    });
  },
);

describe('teardown', () => {
  it('leaves no process behind', async () => {
    const harness = await startLocalStackHarness({
      template: recorderTemplate({ recordFile: '/dev/null', alphaPattern: { source: [RECORDER_SOURCE] } }),
    });
    const { stateDir } = harness;
    try {
      expect(registryProcesses(stateDir)).toHaveLength(1);
      await harness.putEvent({
        bus: RECORDER_BUS,
        source: RECORDER_SOURCE,
        detailType: 'Recorder Test',
        detail: {},
      });
      await harness.idle();
    } finally {
      await harness.stop();
    }
    expect(registryProcesses(stateDir)).toEqual([]);
  });
});
