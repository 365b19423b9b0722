import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRegistry } from '../../../local/registry';
import { pushSampleImage } from '../../../local/sample-images';
import { OciRegistryClient } from '../../../shared/adapters/oci';

jest.setTimeout(240_000);

/** The tag `tollgate local` gives its sample images: new on every run. */
const TAG = expect.stringMatching(/^sample-\d{8}-\d{6}$/) as unknown;

const BIN = resolve(__dirname, '../../../cli/bin/tollgate.js');

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tollgate local` as a user does, in its own process; `onStderr` may act on the progress. */
const tollgateLocal = (
  args: readonly string[],
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void;
  } = {},
): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'local', ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });

const registryProcesses = (stateDir: string): string[] =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('docker-registry') && line.includes(stateDir));

describe('tollgate local', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-local-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('--json: runs the pipeline, prints the summary as JSON on stdout, and stops everything', async () => {
    const keyFile = join(stateDir, 'out', 'key.pem');
    const run = await tollgateLocal(['--json', '--state', stateDir, '--public-key-out', keyFile]);

    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      registry: string;
      images: {
        repository: string;
        digest: string;
        tags: string[];
        verdict: string;
        signatures: unknown[];
      }[];
    };
    expect(summary.registry).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(summary.images).toEqual([
      expect.objectContaining({ repository: 'samples/clean', tags: [TAG], verdict: 'APPROVED' }),
      expect.objectContaining({
        repository: 'samples/critical',
        tags: [TAG],
        verdict: 'REJECTED',
        signatures: [],
      }),
    ]);
    for (const image of summary.images) expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(summary.images[0]!.signatures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          format: 'cosign-legacy',
          reference: expect.any(String) as unknown,
        }) as unknown,
      ]),
    );
    // Progress went to stderr, the public key to the file asked for.
    expect(run.stderr).toContain('event ECR Image Action on default samples/clean');
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(registryProcesses(stateDir)).toEqual([]);
  });

  it('prints a table with the verify command of each image, run after run on the same state', async () => {
    const first = await tollgateLocal(['--state', stateDir, '--json']);
    expect(first.code).toBe(0);
    const key = readFileSync(join(stateDir, 'signing-key.pem'), 'utf8');

    // Tables, the signing key and the registry's storage are reused; the new images are judged as well.
    const run = await tollgateLocal(['--state', stateDir]);

    expect(run.code).toBe(0);
    expect(readFileSync(join(stateDir, 'signing-key.pem'), 'utf8')).toBe(key);
    expect(run.stdout).toMatch(/REPOSITORY\s+DIGEST\s+TAGS\s+VERDICT\s+BY\s+SIGNATURES/);
    expect(run.stdout).toMatch(
      /samples\/clean\s+sha256:\S+\s+sample-\d{8}-\d{6}\s+APPROVED\s+event\s+cosign-legacy /,
    );
    // The first run's images were judged then: the second run's first sweep finds them current.
    expect(run.stdout).toMatch(/First sweep: \d+ image\(s\) already in the registry; 0 had no verdict/);
    expect(run.stdout).toMatch(
      new RegExp(
        `tollgate verify 127\\.0\\.0\\.1:\\d+/samples/critical@sha256:[0-9a-f]{64} --key ${join(stateDir, 'signing-key.pem')}`,
      ),
    );
    expect(existsSync(join(stateDir, 'signing-key.pem'))).toBe(true);
  });

  it('images already in the registry before Tollgate started are judged by the first sweep', async () => {
    const outerState = mkdtempSync(join(tmpdir(), 'tollgate-cli-outer-'));
    const registry = await startRegistry({ stateDir: outerState });
    try {
      const client = new OciRegistryClient({ host: registry.host, protocol: 'http' });
      await pushSampleImage(client, {
        repository: 'legacy/app',
        tag: 'v1',
        description: 'pushed before Tollgate',
        findings: [],
      });
      const run = await tollgateLocal([
        '--state',
        mkdtempSync(join(tmpdir(), 'tollgate-cli-sweep-')),
        '--registry',
        registry.url,
        '--json',
      ]);
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout) as { firstSweep?: { judged: number } };
      expect(summary.firstSweep?.judged).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`first sweep: \\d+ image\\(s\\) in the registry, 1 judged by the sweep`),
      );
      // The one image there was recorded and judged by the sweep, as on-push would have: nothing else brought it.
      expect(summary.firstSweep).toMatchObject({ images: 1, actions: { record: 1 } });
    } finally {
      await registry.stop();
      rmSync(outerState, { recursive: true, force: true });
    }
  });

  it('Ctrl-C in the middle of a run stops everything it started and exits 130', async () => {
    let sent = 0;
    const run = await tollgateLocal(['--state', stateDir], {
      onStderr: (text, kill) => {
        // Twice, as an impatient user does: the second must not cut the clean-up short.
        if (text.includes('pushed 127.0.0.1') && sent < 2) {
          sent++;
          kill('SIGINT');
        }
      },
    });

    expect(sent).toBe(2);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('tollgate local: stopping');
    expect(run.stdout).toBe('');
    expect(registryProcesses(stateDir)).toEqual([]);
  });

  it('--keep-running stays up until SIGTERM, then stops everything and exits 0', async () => {
    const run = await tollgateLocal(['--state', stateDir, '--keep-running', '--json'], {
      onStderr: (text, kill) => {
        if (text.includes('still running') && !text.includes('tollgate local: stopping')) kill('SIGTERM');
      },
    });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      images: [{ verdict: 'APPROVED' }, { verdict: 'REJECTED' }],
    });
    expect(registryProcesses(stateDir)).toEqual([]);
  });

  it('exits 2 and says what to install when the registry binary is missing', async () => {
    const run = await tollgateLocal(['--state', stateDir], {
      env: { TOLLGATE_REGISTRY_BINARY: '/nonexistent/docker-registry' },
    });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('apt-get install docker-registry');
    expect(run.stderr).toContain('--registry URL');
    expect(run.stdout).toBe('');
  });

  it('exits 2 when --registry does not answer', async () => {
    const port = await closedPort();
    const run = await tollgateLocal(['--state', stateDir, '--registry', `http://127.0.0.1:${port}`]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`the registry http://127.0.0.1:${port} is not answering`);
  });

  it('exits 2 for a --registry that is not a registry URL', async () => {
    const run = await tollgateLocal(['--registry', 'ftp://example.com']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--registry');
    expect(run.stderr).toContain('Usage: tollgate local');
  });
});

/** A loopback port nothing listens on. */
const closedPort = (): Promise<number> =>
  new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
