import { isDigest, type Digest } from '../shared/core/domain';
import { OciRegistryClient, staticCredentials } from '../shared/adapters/oci';
import { basicAuth, type ExternalRegistry } from './registry-url';

/** A tag the watcher saw appear, or move to another digest. */
export interface ObservedPush {
  readonly repository: string;
  readonly tag: string;
  readonly digest: Digest;
  readonly mediaType: string;
}

export interface RegistryWatcherOptions {
  readonly registry: ExternalRegistry;
  readonly onPush: (push: ObservedPush) => void;
  /** @default 500 */
  readonly intervalMs?: number;
  /** A poll failed (the registry went away); polling goes on. @default ignored */
  readonly onError?: (error: unknown) => void;
}

export interface RegistryWatcher {
  /** Polls once now, and resolves when that poll has reported its pushes. */
  readonly poll: () => Promise<void>;
  readonly stop: () => Promise<void>;
}

/**
 * For a registry whose notifications cannot be pointed at the stand-in (`--registry URL`): polls
 * `/v2/_catalog` and each repository's tags, resolves each tag's digest with a HEAD, and reports every
 * repository+tag+digest it has not seen, so the pipeline gets the same `ECR Image Action` events the
 * managed registry's notifications give. What exists when watching starts is the baseline, not a push.
 * Pushes by digest only (no tag) cannot be seen this way; the docs say so.
 */
export const watchRegistry = async (options: RegistryWatcherOptions): Promise<RegistryWatcher> => {
  const { registry } = options;
  const client = new OciRegistryClient({
    host: registry.host,
    protocol: registry.protocol,
    ...(registry.credentials === undefined ? {} : { credentials: staticCredentials(registry.credentials) }),
  });
  const seen = new Set<string>();
  const snapshot = async (): Promise<ObservedPush[]> => {
    const found: ObservedPush[] = [];
    for (const repository of await catalog(registry)) {
      for (const tag of await client.listTags(repository)) {
        const descriptor = await client.headManifest(repository, tag);
        if (descriptor === undefined || !isDigest(descriptor.digest)) continue;
        const key = `${repository}:${tag}@${descriptor.digest}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ repository, tag, digest: descriptor.digest, mediaType: descriptor.mediaType });
      }
    }
    return found;
  };
  await snapshot();

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const poll = (): Promise<void> => {
    // One poll at a time: a slow registry must not make two polls report the same push twice.
    running = running.then(async () => {
      if (stopped) return;
      try {
        for (const push of await snapshot()) options.onPush(push);
      } catch (error) {
        options.onError?.(error);
      }
    });
    return running;
  };
  const timer = setInterval(() => void poll(), options.intervalMs ?? 500);
  return {
    poll,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
};

/** Every repository name, following the `Link` header across pages. */
const catalog = async (registry: ExternalRegistry): Promise<string[]> => {
  const headers: Record<string, string> =
    registry.credentials === undefined ? {} : { Authorization: basicAuth(registry.credentials) };
  const names: string[] = [];
  let path: string | undefined = '/v2/_catalog?n=1000';
  for (let page = 0; path !== undefined && page < 100; page++) {
    const response = await fetch(`${registry.url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    const body = (await response.json()) as { repositories?: unknown };
    if (Array.isArray(body.repositories)) {
      names.push(...body.repositories.filter((name): name is string => typeof name === 'string'));
    }
    path = /<([^>]+)>;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return names;
};
