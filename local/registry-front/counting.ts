/**
 * Header a process adds to its own main-thread requests (the bench's pusher, the stand-in answering ECR APIs
 * from the registry), so the front tells them apart from the pipeline's: the functions run in worker threads,
 * whose `fetch` is not wrapped. See `markMainThreadFetch`. The front strips it before forwarding.
 */
export const CALLER_HEADER = 'x-tollgate-bench-caller';

export type CallCounts = Record<string, number>;

/**
 * What an OCI Distribution request is, independent of repository and reference: `manifest`, `referrers tag`
 * (the `sha256-<hex>` index of the referrers tag schema), `blob`, `blob upload`, `tags list`, `referrers`,
 * `catalog`, `ping`.
 */
export const routeKind = (path: string): string => {
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (path.startsWith('/v2/_catalog')) return 'catalog';
  if (/\/blobs\/uploads\//.test(path)) return 'blob upload';
  if (/\/manifests\/sha256-[0-9a-f]{64}$/.test(path)) return 'referrers tag';
  if (/\/manifests\/[^/]+$/.test(path)) return 'manifest';
  if (/\/blobs\/[^/]+$/.test(path)) return 'blob';
  if (/\/tags\/list$/.test(path)) return 'tags list';
  if (/\/referrers\/[^/]+$/.test(path)) return 'referrers';
  return 'other';
};

/** Requests by `METHOD route-kind`, the pipeline's apart from the marked callers'. */
export class CallCounter {
  #pipeline = new Map<string, number>();
  #harness = new Map<string, number>();

  /** @returns the key counted */
  public count(method: string, path: string, marked: boolean): string {
    const key = `${method} ${routeKind(path.split('?')[0]!)}`;
    const counts = marked ? this.#harness : this.#pipeline;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return key;
  }

  public calls(): { readonly pipeline: CallCounts; readonly harness: CallCounts } {
    return { pipeline: Object.fromEntries(this.#pipeline), harness: Object.fromEntries(this.#harness) };
  }

  public reset(): void {
    this.#pipeline = new Map();
    this.#harness = new Map();
  }
}

/**
 * Marks every `fetch` of this thread (not of worker threads) with the caller header, so the front counts the
 * harness's own registry traffic apart from the functions'. Returns the undo.
 */
export const markMainThreadFetch = (): (() => void) => {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set(CALLER_HEADER, 'harness');
    return original(input, { ...init, headers });
  };
  return () => {
    globalThis.fetch = original;
  };
};
