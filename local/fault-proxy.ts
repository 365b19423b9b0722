import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to one request. `reset-after` forwards it first and then drops the connection instead
 * of answering: the write happened, the caller never learns it (the fault that tests idempotency).
 */
export type ProxyFaultKind = 'throttle' | 'server' | 'reset' | 'reset-after' | 'latency';

/** How a throttle and a 5xx look: the status and body each protocol's clients recognise and retry. */
export type ProxyDialect = 'dynamodb' | 'registry';

export interface ProxyFaults {
  /** Probability (0 to 1) that a request gets a fault; which one is drawn evenly from `kinds`. @default 0 */
  readonly probability?: number;
  /** @default every kind */
  readonly kinds?: readonly ProxyFaultKind[];
  /** The delay a `latency` fault adds. @default 200 */
  readonly latencyMs?: number;
}

/** A request as `tamper` and `decide` see it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface FaultProxyOptions {
  readonly dialect: ProxyDialect;
  /** @default no faults */
  readonly faults?: ProxyFaults;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * Rewrites the body of an upstream answer before it is passed on, headers unchanged: a registry that lies.
   * Return `undefined` to pass the request through untouched.
   */
  readonly tamper?: (request: ProxiedRequest) => ((body: Buffer) => Buffer) | undefined;
  /** Picks the fault for this request deterministically (a crash at one chosen step); else the draw decides. */
  readonly decide?: (request: ProxiedRequest) => ProxyFaultKind | undefined;
}

export interface FaultProxyCounts {
  readonly requests: number;
  readonly faults: Readonly<Record<ProxyFaultKind, number>>;
  readonly tampered: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: what clients are pointed at. */
  readonly url: string;
  /** Where requests go; until it is set, every request is answered 502. */
  setTarget(url: string): void;
  setFaults(faults: ProxyFaults): void;
  counts(): FaultProxyCounts;
  stop(): Promise<void>;
}

const ALL_KINDS: readonly ProxyFaultKind[] = ['throttle', 'server', 'reset', 'reset-after', 'latency'];

/**
 * A loopback HTTP proxy that injects the faults a busy AWS region shows (throttling, 5xx, a connection reset
 * before or after the request was served, latency) in front of a service the AWS stand-in does not model
 * itself: DynamoDB (dynalite) and the OCI registry. The answer bodies are the ones real clients parse, so
 * the AWS SDK and the OCI client react as they would to the real service.
 */
export const startFaultProxy = async (options: FaultProxyOptions): Promise<FaultProxy> => {
  const random = options.random ?? Math.random;
  let faults: ProxyFaults = options.faults ?? {};
  let target: URL | undefined;
  let requests = 0;
  let tampered = 0;
  const counted: Record<ProxyFaultKind, number> = {
    throttle: 0,
    server: 0,
    reset: 0,
    'reset-after': 0,
    latency: 0,
  };
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();

  const draw = (): ProxyFaultKind | undefined => {
    const probability = faults.probability ?? 0;
    if (probability <= 0 || random() >= probability) return undefined;
    const kinds = faults.kinds ?? ALL_KINDS;
    return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))];
  };

  const server: Server = createServer((incoming, outgoing) => {
    requests += 1;
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void (async () => {
        const seen: ProxiedRequest = {
          method: incoming.method ?? 'GET',
          path: incoming.url ?? '/',
          headers: incoming.headers,
          body: Buffer.concat(chunks),
        };
        const fault = options.decide?.(seen) ?? draw();
        if (fault !== undefined) counted[fault] += 1;
        if (fault === 'latency') await new Promise((resolve) => setTimeout(resolve, faults.latencyMs ?? 200));
        if (fault === 'reset') {
          incoming.socket.destroy();
          return;
        }
        if (fault === 'throttle' || fault === 'server') {
          const answer = refusal(options.dialect, fault);
          outgoing.writeHead(answer.status, answer.headers).end(answer.body);
          return;
        }
        if (target === undefined) {
          outgoing.writeHead(502).end('no target yet');
          return;
        }
        const upstream = await forward(target, agent, incoming, seen.body).catch(() => undefined);
        if (upstream === undefined) {
          incoming.socket.destroy();
          return;
        }
        if (fault === 'reset-after') {
          incoming.socket.destroy();
          return;
        }
        const rewrite = options.tamper?.(seen);
        let body = upstream.body;
        const headers = { ...upstream.headers };
        if (rewrite !== undefined && upstream.status === 200 && incoming.method === 'GET') {
          body = rewrite(body);
          tampered += 1;
          headers['content-length'] = String(body.length);
        }
        outgoing.writeHead(upstream.status, headers).end(body);
      })();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setTarget: (url) => {
      target = new URL(url);
    },
    setFaults: (next) => {
      faults = next;
    },
    counts: () => ({ requests, faults: { ...counted }, tampered }),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

const forward = (target: URL, agent: Agent, incoming: IncomingMessage, body: Buffer): Promise<Upstream> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    // The registry builds Location headers from Host: it must name the proxy, so uploads come back here.
    headers['content-length'] = String(body.length);
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers,
        agent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const passed: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) passed[name] = value;
          }
          resolve({ status: response.statusCode ?? 502, headers: passed, body: Buffer.concat(chunks) });
        });
        response.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });

const refusal = (
  dialect: ProxyDialect,
  fault: 'throttle' | 'server',
): { status: number; headers: Record<string, string>; body: string } => {
  if (dialect === 'dynamodb') {
    // The x-amz-json-1.0 error shapes DynamoDB sends; the SDK retries both (throttling with a longer backoff).
    const type =
      fault === 'throttle'
        ? 'com.amazonaws.dynamodb.v20120810#ThrottlingException'
        : 'com.amazonaws.dynamodb.v20120810#InternalServerError';
    return {
      status: fault === 'throttle' ? 400 : 500,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type.split('#')[1]! },
      body: JSON.stringify({ __type: type, message: `injected ${fault}` }),
    };
  }
  const code = fault === 'throttle' ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
  return {
    status: fault === 'throttle' ? 429 : 503,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errors: [{ code, message: `injected ${fault}` }] }),
  };
};
