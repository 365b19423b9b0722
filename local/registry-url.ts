import { LocalStackError } from './errors';

/** A registry given with `--registry URL`: anonymous, or with basic-auth credentials in the URL. */
export interface ExternalRegistry {
  /** `http://host:port`, without credentials. */
  readonly url: string;
  /** `host:port`, the host part of image references. */
  readonly host: string;
  readonly protocol: 'http' | 'https';
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** Parses `http://127.0.0.1:5000` or `http://user:password@host:port` (user and password URL-encoded). */
export const parseRegistryUrl = (text: string): ExternalRegistry => {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new LocalStackError(
      `--registry ${JSON.stringify(text)} is not a URL`,
      'give it as http://host:port or http://user:password@host:port',
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LocalStackError(
      `--registry: ${url.protocol} is not http: or https:`,
      'give it as http://host:port',
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new LocalStackError(
      `--registry ${url.origin}${url.pathname}: a registry URL has no path`,
      'give only the scheme, host and port',
    );
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const base = { url: url.origin, host: url.host, protocol } as const;
  if (url.username === '' && url.password === '') return base;
  return {
    ...base,
    credentials: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) },
  };
};

/** Waits until `/v2/` answers: 200, or 401 (it wants credentials; each request then sends them). */
export const checkRegistry = async (registry: ExternalRegistry, timeoutMs = 5000): Promise<void> => {
  const headers: Record<string, string> =
    registry.credentials === undefined ? {} : { Authorization: basicAuth(registry.credentials) };
  let last: unknown;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${registry.url}/v2/`, { headers, signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      if (response.status === 401) {
        if (registry.credentials === undefined) {
          throw new LocalStackError(
            `the registry ${registry.url} requires credentials`,
            'pass them in the URL: --registry http://user:password@host:port',
          );
        }
        throw new LocalStackError(
          `the registry ${registry.url} refused the credentials given`,
          'check the user and password in --registry (URL-encode special characters)',
        );
      }
      last = new Error(`GET /v2/ answered ${response.status}`);
    } catch (error) {
      if (error instanceof LocalStackError) throw error;
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new LocalStackError(
    `the registry ${registry.url} is not answering: ${(last as Error | undefined)?.message ?? 'timed out'}`,
    'start it first (e.g. `docker-registry serve config.yml`), check the URL, or leave --registry out to let tollgate local start one',
    { cause: last },
  );
};

export const basicAuth = (credentials: { readonly username: string; readonly password: string }): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
