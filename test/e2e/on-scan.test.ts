import type { RecordedEvent } from '../../local/aws';
import { sampleImages, tarArchive } from '../../local/sample-images';
import type { Digest } from '../../shared/core/domain';
import { IMAGE_VERDICT, TOLLGATE_SOURCE } from '../../shared/core/events';
import { manifestBytes, MediaType, sha256Digest, type ImageManifest } from '../../shared/adapters/oci';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(180_000);

/**
 * On scan, end to end on the local stack: the synthesized Tollgate template, its rules and the production
 * handlers, against a real OCI registry, DynamoDB on dynalite and the AWS stand-in's simulated scanner.
 * The samples are the two images `tollgate local` pushes: one clean, one with a simulated CRITICAL finding.
 */
const [CLEAN, CRITICAL] = sampleImages();

const verdictEventFor =
  (digest: string) =>
  ({ event }: RecordedEvent): boolean =>
    event.source === TOLLGATE_SOURCE &&
    event['detail-type'] === IMAGE_VERDICT &&
    (event.detail as { image?: { digest?: string } }).image?.digest === digest;

const verdictEvents = (h: LocalStackHarness, digest: string): RecordedEvent[] =>
  h.stack.standIn.events().filter(verdictEventFor(digest));

/** What a verdict says, without what differs between two images or two runs (digests, times, ids). */
interface VerdictSummary {
  readonly outcome: string | undefined;
  readonly blocking: unknown;
  readonly signatureFormats: readonly string[];
  readonly verdictEvents: number;
}

const summarize = async (
  h: LocalStackHarness,
  repository: string,
  digest: string,
): Promise<VerdictSummary> => {
  await h.idle();
  const record = await h.stack.verdicts.read(repository, digest);
  const events = verdictEvents(h, digest);
  return {
    outcome: record?.outcome,
    blocking: (events[0]?.event.detail as { blocking?: unknown } | undefined)?.blocking,
    signatureFormats: (record?.signatures ?? []).map((signature) => signature.format).sort(),
    verdictEvents: events.length,
  };
};

const skippedAsUnknown = (h: LocalStackHarness, digest: string): boolean =>
  h.log.some((line) => line.includes('image unknown to Tollgate: skipped') && line.includes(digest));

const inOrder: Record<string, VerdictSummary> = {};

describe('on-scan on the local stack (the scan ends after the push is recorded)', () => {
  let h: LocalStackHarness;
  beforeAll(async () => {
    // Long enough for on-push (cold, on a busy machine) to record the push first: the order AWS usually has.
    h = await startLocalStackHarness({ scanDelayMs: 2500 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('the clean sample image is APPROVED, signed, and its verdict published once', async () => {
    const image = await h.pushImage(CLEAN!.repository, { tag: CLEAN!.tag });
    const record = await h.awaitRecord(
      CLEAN!.repository,
      image.digest,
      (r) => r.status === 'DECIDED' && r.signatures.length > 0,
    );
    expect(record.outcome).toBe('APPROVED');
    const verdict = await h.awaitEvent(verdictEventFor(image.digest));
    expect(verdict.event.detail).toMatchObject({
      verdict: 'APPROVED',
      image: { repository: CLEAN!.repository, digest: image.digest, tags: [CLEAN!.tag] },
      blocking: [],
    });
    // In order: the scan event found the record on-push had written.
    expect(skippedAsUnknown(h, image.digest)).toBe(false);
    inOrder.clean = await summarize(h, CLEAN!.repository, image.digest);
    expect(inOrder.clean.verdictEvents).toBe(1);
  });

  it('the vulnerable sample image is REJECTED, its CRITICAL finding listed in the verdict event, and never signed', async () => {
    const image = await h.pushImage(CRITICAL!.repository, {
      tag: CRITICAL!.tag,
      findings: CRITICAL!.findings,
    });
    const record = await h.awaitRecord(CRITICAL!.repository, image.digest);
    expect(record).toMatchObject({ status: 'DECIDED', outcome: 'REJECTED', signatures: [] });
    const verdict = await h.awaitEvent(verdictEventFor(image.digest));
    expect(verdict.event.detail).toMatchObject({
      verdict: 'REJECTED',
      blocking: [{ id: 'CVE-2024-3094', severity: 'CRITICAL', package: 'xz-utils' }],
      blockingTotal: 1,
      signatures: [],
    });
    const reasons = (verdict.event.detail as { reasons: string[] }).reasons.join('\n');
    expect(reasons).toMatch(/CVE-2024-3094/);
    expect(reasons).toMatch(/CRITICAL/);
    expect(skippedAsUnknown(h, image.digest)).toBe(false);
    inOrder.critical = await summarize(h, CRITICAL!.repository, image.digest);
    expect(inOrder.critical.verdictEvents).toBe(1);
  });

  it('a FAILED scan gives ERROR with the status, never an approval', async () => {
    const repository = 'e2e/unscannable';
    const image = buildImage('a layer the simulated scanner fails on');
    // The stand-in's scanner ends this image's scan FAILED, as ECR does for an image it cannot read.
    h.stack.standIn.ecr.setScanStatus(
      repository,
      image.digest,
      'FAILED',
      'simulated: the layer could not be unpacked',
    );
    const client = h.stack.registryClient();
    await client.putBlob(repository, image.layer);
    await client.putBlob(repository, image.config);
    await client.putManifest(repository, '1.0.0', {
      mediaType: MediaType.ociManifest,
      bytes: image.manifest,
    });

    const record = await h.awaitRecord(repository, image.digest);
    expect(record).toMatchObject({ status: 'DECIDED', outcome: 'ERROR', signatures: [] });
    const verdict = await h.awaitEvent(verdictEventFor(image.digest));
    expect(verdict.event.detail).toMatchObject({
      verdict: 'ERROR',
      error: {
        code: 'SCAN_FAILED',
        message: 'scan status FAILED: simulated: the layer could not be unpacked',
      },
      signatures: [],
    });
    await h.idle();
    expect(
      h.stack.standIn
        .events()
        .some(
          (e) =>
            e.event['detail-type'] === 'Tollgate Signing Requested' &&
            (e.event.detail as { digest?: string }).digest === image.digest,
        ),
    ).toBe(false);
  });
});

describe('the scan ends before on-push has recorded the push (events out of order)', () => {
  let h: LocalStackHarness;
  const digests: Record<'clean' | 'critical', string> = { clean: '', critical: '' };

  /**
   * on-push's first call in a cold container is GetAuthorizationToken (the registry host), made before it
   * records anything; on-scan never makes it. Slowing it down while the first two images are pushed makes
   * their scans (immediate here) reach on-scan while the images have no record yet: the race AWS can run
   * when events arrive out of order. Each test checks that on-scan really did skip them as unknown.
   */
  beforeAll(async () => {
    h = await startLocalStackHarness({ scanDelayMs: 0 });
    h.stack.standIn.setFaults({ 'ecr:GetAuthorizationToken': { latencyMs: 3000 } });
    try {
      const [clean, critical] = await Promise.all([
        h.pushImage(CLEAN!.repository, { tag: CLEAN!.tag }),
        h.pushImage(CRITICAL!.repository, { tag: CRITICAL!.tag, findings: CRITICAL!.findings }),
      ]);
      digests.clean = clean.digest;
      digests.critical = critical.digest;
      await h.awaitRecord(CLEAN!.repository, clean.digest, () => true);
      await h.awaitRecord(CRITICAL!.repository, critical.digest, () => true);
    } finally {
      h.stack.standIn.setFaults({});
    }
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('clean: on-scan skips the unknown image, on-push judges the ended scan: the same single verdict and signatures', async () => {
    const digest = digests.clean;
    await h.awaitRecord(CLEAN!.repository, digest, (r) => r.status === 'DECIDED' && r.signatures.length > 0);
    expect(skippedAsUnknown(h, digest)).toBe(true);
    expect(
      h.log.some((line) => line.includes('scan had already ended: judged on push') && line.includes(digest)),
    ).toBe(true);
    expect(await summarize(h, CLEAN!.repository, digest)).toEqual(inOrder.clean);
    // Both images were decided on push: no scan timeout was scheduled for either.
    expect(h.stack.standIn.schedules()).toEqual([]);
  });

  it('vulnerable: REJECTED on push, with the same blocking finding as in order', async () => {
    const digest = digests.critical;
    await h.awaitRecord(CRITICAL!.repository, digest);
    expect(skippedAsUnknown(h, digest)).toBe(true);
    expect(await summarize(h, CRITICAL!.repository, digest)).toEqual(inOrder.critical);
  });

  it('the same push delivered 3 more times after the verdict changes nothing', async () => {
    const digest = digests.clean;
    const decided = await h.awaitRecord(
      CLEAN!.repository,
      digest,
      (r) => r.status === 'DECIDED' && r.signatures.length > 0,
    );
    await h.idle();
    const push = h.stack.routed.find(
      ({ event }) =>
        (event as { 'detail-type'?: string })['detail-type'] === 'ECR Image Action' &&
        (event as { detail?: { 'image-digest'?: string } }).detail?.['image-digest'] === digest,
    );
    const onPush = push?.targets.find((target) => target.delivery === 'invoked')?.functionName;
    expect(onPush).toBeDefined();
    const eventsBefore = h.stack.standIn.events().length;
    const callsBefore = h.stack.standIn.calls();
    for (let delivery = 0; delivery < 3; delivery++) {
      // As EventBridge redelivers: the same event, to the same function.
      await expect(h.stack.runtime.invoke(onPush!, push!.event)).resolves.toEqual({
        ok: true,
        result: 'recorded',
      });
    }
    await h.idle();
    expect(await h.stack.verdicts.read(CLEAN!.repository, digest)).toEqual(decided);
    expect(h.stack.standIn.events().slice(eventsBefore)).toEqual([]);
    expect(h.stack.standIn.schedules()).toEqual([]);
    // Nothing was started again: no scan, no findings read, no schedule, no event.
    const calls = h.stack.standIn.calls();
    for (const api of [
      'ecr:StartImageScan',
      'ecr:DescribeImageScanFindings',
      'scheduler:CreateSchedule',
      'events:PutEvents',
    ]) {
      expect(calls[api] ?? 0).toBe(callsBefore[api] ?? 0);
    }
  });
});

/** A small OCI image whose digest is known before it is pushed. */
const buildImage = (
  content: string,
): {
  readonly layer: Buffer;
  readonly config: Buffer;
  readonly manifest: Buffer;
  readonly digest: Digest;
} => {
  const layer = tarArchive([{ name: 'content.txt', content: `${content} ${Date.now()}\n` }]);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
    }),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: MediaType.ociLayer, digest: sha256Digest(layer), size: layer.length }],
  };
  const bytes = manifestBytes(manifest);
  return { layer, config, manifest: bytes, digest: sha256Digest(bytes) };
};
