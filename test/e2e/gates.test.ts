import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { imageProgress, renderSummary, verifyCommand, VERIFY_HEADER } from '../../local/summary';
import type { ImageSummary, PushedImage } from '../../local/summary';
import { pushSampleImage, sampleImages } from '../../local/sample-images';
import { REPO_ROOT } from '../helpers/stack';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(180_000);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one printed line the way a user pastes it: through a shell, from the project folder, with nothing of the test
 * process's environment but where node and npx are. No AWS variable and no Docker config: the summary promises the
 * command needs none.
 */
const runPrinted = (command: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
          HOME: process.env.HOME ?? '/tmp',
          // npm would otherwise look up its own newer version on the registry.
          npm_config_update_notifier: 'false',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
        }),
    );
  });

/** Waits, as `tollgate local` does, until every image has its final summary line. */
const finalSummaries = async (
  harness: LocalStackHarness,
  pushed: readonly PushedImage[],
): Promise<ImageSummary[]> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const progress = await Promise.all(pushed.map((image) => imageProgress(harness.stack, image)));
    if (progress.every((item) => item.final)) return progress.map((item) => item.summary);
    if (Date.now() > deadline) {
      throw new Error(`no final verdict: ${JSON.stringify(progress)}\n${harness.log.slice(-40).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('deployment gate on the local stack: the verify commands tollgate local prints', () => {
  let harness: LocalStackHarness;
  let keyDir: string;
  let keyFile: string;

  beforeAll(async () => {
    harness = await startLocalStackHarness();
    // What `tollgate local` writes for --public-key-out: the stand-in KMS key's public half. Outside the state
    // folder, which the harness removes when it stops.
    keyDir = mkdtempSync(join(tmpdir(), 'tollgate-gates-'));
    keyFile = join(keyDir, 'signing-key.pem');
    writeFileSync(keyFile, await harness.stack.publicKeyPem());
  });
  afterAll(async () => {
    await harness?.stop();
    if (keyDir !== undefined) rmSync(keyDir, { recursive: true, force: true });
  });

  it('verify the clean sample (exit 0) and refuse the vulnerable one for want of a signature (exit 1)', async () => {
    const [cleanSample, criticalSample] = sampleImages();
    const pushed: PushedImage[] = [];
    for (const sample of [cleanSample!, criticalSample!]) {
      pushed.push(await pushSampleImage(harness.stack.registryClient(), sample));
    }
    await harness.stack.pollRegistry();
    const images = await finalSummaries(harness, pushed);
    if (images[0]?.verdict !== 'APPROVED' || images[1]?.verdict !== 'REJECTED') {
      throw new Error(
        `unexpected verdicts ${JSON.stringify(images)}\n--- local stack log ---\n${harness.log.slice(-60).join('\n')}`,
      );
    }

    const printed = renderSummary(
      { registry: harness.registryHost, images },
      { publicKeyFile: keyFile, stages: 'all built', deadLetters: 0 },
    ).split('\n');
    const header = printed.indexOf(VERIFY_HEADER);
    expect(header).toBeGreaterThan(0);
    const [cleanCommand, criticalCommand] = printed
      .slice(header + 1)
      .filter((line) => line.trim() !== '')
      .map((line) => line.trim());
    expect([cleanCommand, criticalCommand]).toEqual(
      images.map((image) => verifyCommand(harness.registryHost, image, keyFile)),
    );

    const clean = await runPrinted(cleanCommand!);
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: '' });
    const [cleanImage, criticalImage] = images;
    expect(clean.stdout).toContain(
      `VERIFIED  ${harness.registryHost}/${cleanImage.repository}@${cleanImage.digest}`,
    );
    // Every format the sign function wrote verifies against the printed key.
    expect(clean.stdout).toMatch(/\bvalid +cosign-legacy /);
    expect(clean.stdout).toMatch(/\bvalid +sigstore-bundle /);
    expect(clean.stdout).toMatch(/attestation \(not required\): VALID: APPROVED/);

    const critical = await runPrinted(criticalCommand!);
    expect(critical.code).toBe(1);
    expect(critical.stdout).toContain(
      `NOT VERIFIED  ${harness.registryHost}/${criticalImage.repository}@${criticalImage.digest}`,
    );
    expect(critical.stderr).toBe(
      `tollgate verify: signature: none found for ${harness.registryHost}/${criticalImage.repository}@${criticalImage.digest} ` +
        `(no ${criticalImage.digest.replace(':', '-')}.sig and no Sigstore bundle referrer)\n`,
    );
  });

  it('with the registry stopped, the same command is an error (exit 2), not a refusal', async () => {
    const image: ImageSummary = {
      repository: 'samples/clean',
      digest: `sha256:${'0'.repeat(64)}`,
      tags: [],
      verdict: 'APPROVED',
      signatures: [],
    };
    const host = harness.registryHost;
    await harness.stop();
    const run = await runPrinted(verifyCommand(host, image, keyFile));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^tollgate verify: GET http://${host.replace(/\./g, '\\.')}/v2/`));
  });
});
