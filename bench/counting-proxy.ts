import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Header the bench process adds to its own main-thread requests (the pusher, the stand-in answering ECR
 * APIs from the registry), so they are told apart from the pipeline's: the functions run in worker threads,
 * whose `fetch` is not wrapped. See `markMainThreadFetch`.
 */
export const CALLER_HEADER = 'x-tollgate-bench-caller';

/** Path the registry's notifications are sent to; forwarded to `notificationsTarget` once it is set. */
export const NOTIFICATIONS_FORWARD_PATH = '/_bench/notifications';

export type CallCounts = Record<string, number>;

export interface CountingProxy {
  readonly url: string;
  readonly host: string;
  /** Where registry notifications go, once the stand-in exists. */
  notificationsTarget: string | undefined;
  /** Calls by `METHOD route-kind`, for requests without the caller header. */
  readonly pipelineCalls: () => CallCounts;
  /** The same for the bench's own requests. */
  readonly harnessCalls: () => CallCounts;
  readonly reset: () => void;
  readonly stop: () => Promise<void>;
}

/**
 * What an OCI Distribution request is, independent of repository and reference: `manifest`, `blob`,
 * `blob upload`, `tags list`, `referrers`, `catalog`, `ping`.
 */
export const routeKind = (path: string): string => {
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (path.startsWith('/v2/_catalog')) return 'catalog';
  if (/\/blobs\/uploads\//.test(path)) return 'blob upload';
  if (/\/manifests\/[^/]+$/.test(path)) return 'manifest';
  if (/\/blobs\/[^/]+$/.test(path)) return 'blob';
  if (/\/tags\/list$/.test(path)) return 'tags list';
  if (/\/referrers\/[^/]+$/.test(path)) return 'referrers';
  return 'other';
};

/**
 * A counting reverse proxy on loopback, in front of an OCI registry. The pipeline is handed the proxy's URL
 * (as an external registry), so every registry call a function makes is counted by method and route kind.
 */
export const startCountingProxy = async (
  targetUrl: string,
  trace?: (line: string) => void,
): Promise<CountingProxy> => {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let pipeline = new Map<string, number>();
  let harness = new Map<string, number>();
  const count = (counts: Map<string, number>, key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };

  const forward = (
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    to: URL,
    path: string,
    headers: IncomingMessage['headers'],
  ): void => {
    const upstream = httpRequest(
      {
        agent,
        hostname: to.hostname,
        port: to.port,
        method: incoming.method,
        path,
        headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    incoming.pipe(upstream);
  };

  const proxy = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '/';
    if (url === NOTIFICATIONS_FORWARD_PATH) {
      const notifications = handle.notificationsTarget;
      if (notifications === undefined) {
        // Before the stand-in is up nothing has been pushed; the registry retries a refused envelope.
        outgoing.writeHead(503).end();
        return;
      }
      const to = new URL(notifications);
      forward(incoming, outgoing, to, `${to.pathname}${to.search}`, { ...incoming.headers, host: to.host });
      return;
    }
    const { [CALLER_HEADER]: caller, ...headers } = incoming.headers;
    const key = `${incoming.method ?? '?'} ${routeKind(url.split('?')[0]!)}`;
    count(caller === undefined ? pipeline : harness, key);
    if (trace !== undefined) {
      const started = performance.now();
      outgoing.once('finish', () =>
        trace(
          `${caller === undefined ? 'pipeline' : 'harness '} ${key} ${outgoing.statusCode} ${(performance.now() - started).toFixed(1)} ms ${url}`,
        ),
      );
    }
    // The Host header is kept: Distribution builds upload Locations from it, so the PATCH and PUT that
    // follow a POST come through the proxy too and are counted.
    forward(incoming, outgoing, target, url, headers);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;

  const handle: CountingProxy = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    notificationsTarget: undefined,
    pipelineCalls: () => Object.fromEntries(pipeline),
    harnessCalls: () => Object.fromEntries(harness),
    reset: () => {
      pipeline = new Map();
      harness = new Map();
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      agent.destroy();
    },
  };
  return handle;
};

/**
 * Marks every `fetch` of this thread (not of worker threads) with the caller header, so the proxy counts the
 * bench's own registry traffic apart from the functions'. Returns the undo.
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
