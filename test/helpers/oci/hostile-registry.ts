import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the hostile registry saw of one request, and how much it had to send before the client hung up. */
export interface HostileRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Body bytes handed to the socket so far. */
  bytesSent: number;
  /** The client closed the connection before the response was complete. */
  abandoned: boolean;
  /** Resolves when the exchange is over, complete or abandoned. */
  readonly closed: Promise<void>;
}

export type HostileHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  log: HostileRequest,
) => void;

export interface HostileRegistry {
  /** `127.0.0.1:PORT`: a loopback host, so OciRegistryClient speaks plain HTTP to it. */
  readonly host: string;
  readonly requests: HostileRequest[];
  /** The most requests that were open at the same time. */
  readonly peakInFlight: () => number;
  /** Routes by method and exact path (`GET /v2/app/manifests/v1`); unmatched requests get 404. */
  readonly route: (method: string, path: string, handler: HostileHandler) => void;
  /** A handler for every path that starts with `prefix`, after the exact routes. */
  readonly routePrefix: (method: string, prefix: string, handler: HostileHandler) => void;
  readonly stop: () => Promise<void>;
}

/**
 * A registry that serves whatever a test tells it to, on 127.0.0.1: endless bodies, gzip bombs, stalls. Bodies are
 * generated as they are written, with backpressure, so a test can serve gigabytes without allocating them, and
 * counts what it had to send before the client hung up: the client's memory is bounded by what it received.
 */
export const startHostileRegistry = async (): Promise<HostileRegistry> => {
  const exact = new Map<string, HostileHandler>();
  const prefixes: { method: string; prefix: string; handler: HostileHandler }[] = [];
  const requests: HostileRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const server = createServer((request, response) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    let settle: () => void = () => undefined;
    const log: HostileRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      bytesSent: 0,
      abandoned: false,
      closed: new Promise((resolve) => (settle = resolve)),
    };
    requests.push(log);
    response.on('close', () => {
      inFlight -= 1;
      log.abandoned = !response.writableFinished;
      settle();
    });
    const handler =
      exact.get(`${log.method} ${log.path}`) ??
      prefixes.find((entry) => entry.method === log.method && log.path.startsWith(entry.prefix))?.handler;
    if (handler === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    handler(request, response, log);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    peakInFlight: () => peak,
    route: (method, path, handler) => exact.set(`${method} ${path}`, handler),
    routePrefix: (method, prefix, handler) => prefixes.push({ method, prefix, handler }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/**
 * Writes `chunk` until `total` bytes are out (Infinity: until the client hangs up), waiting for the socket to drain
 * so nothing piles up in this process either, and counts the bytes in `log`.
 */
export const streamRepeated = (
  response: ServerResponse,
  log: HostileRequest,
  chunk: Buffer,
  total: number,
): void => {
  let stopped = false;
  response.on('close', () => (stopped = true));
  const pump = (): void => {
    while (!stopped) {
      const left = total - log.bytesSent;
      if (left <= 0) {
        response.end();
        return;
      }
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      log.bytesSent += piece.length;
      if (!response.write(piece)) {
        response.once('drain', pump);
        return;
      }
    }
  };
  pump();
};

/** Holds the request open and never answers (the connection is dropped when the registry stops). */
export const neverAnswer: HostileHandler = () => undefined;
