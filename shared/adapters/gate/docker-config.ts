import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credentials, RegistryCredentials } from '../oci/credentials';
import { DockerConfigError } from '../../core/gate/errors';

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as docker itself looks for it. */
export const dockerConfigPath = (env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string =>
  join(env.DOCKER_CONFIG ?? join(home, '.docker'), 'config.json');

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry an `auths` key stands for: docker writes `https://index.docker.io/v1/` for Docker Hub and plain
 * `host:port` (sometimes with a scheme) for the rest.
 */
export const authsKeyHost = (key: string): string => {
  const host =
    key
      .replace(/^[a-z]+:\/\//i, '')
      .split('/')[0]
      ?.toLowerCase() ?? '';
  return DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
};

/**
 * The basic-auth pairs in a parsed config.json's `auths` (`auth` is base64 `user:password`; `username`/`password`
 * fields are read too). Credential helpers (`credsStore`, `credHelpers`) are not run: ECR hosts get
 * GetAuthorizationToken instead, and other helpers must write `auths` (`docker login` does).
 */
export const parseDockerAuths = (
  config: unknown,
  source: string,
): ReadonlyMap<string, RegistryCredentials> => {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new DockerConfigError(`${source} is not a JSON object`);
  }
  const auths = (config as { auths?: unknown }).auths;
  const result = new Map<string, RegistryCredentials>();
  if (typeof auths !== 'object' || auths === null) return result;
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    const credentials = entryCredentials(entry);
    if (credentials !== undefined) result.set(authsKeyHost(key), credentials);
  }
  return result;
};

const entryCredentials = (entry: unknown): RegistryCredentials | undefined => {
  const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  if (typeof record.auth === 'string' && record.auth !== '') {
    const decoded = Buffer.from(record.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof record.username === 'string' && typeof record.password === 'string' && record.username !== '') {
    return { username: record.username, password: record.password };
  }
  return undefined;
};

/**
 * Registry credentials from the Docker config file, read once and only when a registry asks for credentials:
 * anonymous registries never cause the file to be read, and a missing file simply means anonymous.
 */
export class DockerConfigCredentials implements Credentials {
  #auths: ReadonlyMap<string, RegistryCredentials> | undefined;

  public constructor(private readonly path: string = dockerConfigPath()) {}

  // async so that a bad file rejects the promise rather than throwing at the caller.
  // eslint-disable-next-line @typescript-eslint/require-await
  public async forRegistry(host: string): Promise<RegistryCredentials | undefined> {
    this.#auths ??= this.read();
    return this.#auths.get(authsKeyHost(host));
  }

  private read(): ReadonlyMap<string, RegistryCredentials> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new DockerConfigError(`cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (error) {
      throw new DockerConfigError(`${this.path} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    return parseDockerAuths(config, this.path);
  }
}
