import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStackError } from './errors';
import { freePort, isPortFree } from './ports';

export const REGISTRY_BINARY = process.env.TOLLGATE_REGISTRY_BINARY ?? 'docker-registry';

export interface RegistryOptions {
  /** Folder for the registry's storage and generated config. */
  readonly stateDir: string;
  /** @default a free port on 127.0.0.1 */
  readonly port?: number;
  /**
   * Where the registry POSTs its notification envelopes (one per push, pull and delete).
   * @default none
   */
  readonly notificationsUrl?: string;
  /**
   * An htpasswd file (bcrypt entries only, as Distribution requires) to require basic auth.
   * @default anonymous access
   */
  readonly htpasswdFile?: string;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, the host part of image references. */
  readonly host: string;
  readonly url: string;
  /** The registry's process id, for the bench's CPU accounting. */
  readonly pid: number | undefined;
  readonly stop: () => Promise<void>;
}

const registryConfig = (options: RegistryOptions, port: number): string => {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(options.stateDir, 'data'))}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: tollgate-local-${port}`,
  ];
  if (options.htpasswdFile !== undefined) {
    lines.push(
      'auth:',
      '  htpasswd:',
      '    realm: tollgate',
      `    path: ${JSON.stringify(options.htpasswdFile)}`,
    );
  }
  if (options.notificationsUrl !== undefined) {
    lines.push(
      'notifications:',
      '  events:',
      '    includereferences: true',
      '  endpoints:',
      '    - name: tollgate',
      `      url: ${JSON.stringify(options.notificationsUrl)}`,
      '      timeout: 2s',
      '      threshold: 5',
      '      backoff: 200ms',
      // The stand-in turns manifest pushes and deletes into ECR events and reads nothing else (ECR emits no
      // event for a pull or a blob), while every pull and blob upload would cost the registry a POST and the
      // stand-in a request: about 20 an image, measured, on the signer's and the pusher's path. Blobs are
      // pushed as application/octet-stream; a manifest cannot be (Distribution refuses the media type).
      '      ignore:',
      '        mediatypes:',
      '          - application/octet-stream',
      '        actions:',
      '          - pull',
    );
  }
  return `${lines.join('\n')}\n`;
};

/**
 * Go runtime settings for the registry, unless the environment sets its own. Distribution allocates freely per
 * request and its live heap is a few MB, so at Go's default (GOGC=100) it collects every few requests: measured
 * here, GC was about half the registry's CPU (a manifest GET 2.5 ms of CPU, 1.35 ms at GOGC=400), and the
 * registry was the local stack's busiest process. GOMEMLIMIT keeps the trade bounded: near it, Go collects as
 * often as it must.
 */
export const registryGoRuntime = (env: NodeJS.ProcessEnv): Record<string, string> => ({
  ...(env.GOGC === undefined ? { GOGC: '400' } : {}),
  ...(env.GOMEMLIMIT === undefined ? { GOMEMLIMIT: '256MiB' } : {}),
});

export const registryBinaryAvailable = (): boolean =>
  spawnSync(REGISTRY_BINARY, ['--version'], { stdio: 'ignore' }).status === 0;

/** @throws LocalStackError saying what to install, or which flag to use instead. */
export const requireRegistryBinary = (): void => {
  if (!registryBinaryAvailable()) {
    throw new LocalStackError(
      `the OCI registry binary ${REGISTRY_BINARY} was not found`,
      'install it with `sudo apt-get install docker-registry` (Debian/Ubuntu), or pass --registry URL to use a registry that is already running',
    );
  }
};

/** Starts Debian's `docker-registry` (CNCF Distribution) on loopback and waits until `/v2/` answers. */
export const startRegistry = async (options: RegistryOptions): Promise<RunningRegistry> => {
  requireRegistryBinary();
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && !(await isPortFree(port))) {
    throw new LocalStackError(
      `port ${port} on 127.0.0.1 is already in use`,
      'pick another port, or leave it unset to use a free one',
    );
  }
  mkdirSync(join(options.stateDir, 'data'), { recursive: true });
  const configPath = join(options.stateDir, 'registry.yml');
  writeFileSync(configPath, registryConfig(options, port));

  const child = spawn(REGISTRY_BINARY, ['serve', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...registryGoRuntime(process.env), ...process.env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRegistry(url, child, options.htpasswdFile !== undefined);
  } catch (error) {
    child.kill('SIGKILL');
    throw new LocalStackError(
      `the OCI registry did not start on ${url}: ${(error as Error).message}${stderr ? `\n${stderr.trim()}` : ''}`,
      'check that the port is free and the state folder is writable',
      { cause: error },
    );
  }
  return { host: `127.0.0.1:${port}`, url, pid: child.pid, stop: () => stopChild(child) };
};

const waitForRegistry = async (url: string, child: ChildProcess, authenticated: boolean): Promise<void> => {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.ok || (authenticated && response.status === 401)) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out after 15 s');
};

export const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
