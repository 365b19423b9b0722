import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ImageRecord } from '../../shared/core/domain';
import { renderErrorPage, renderImagePage, renderListPage } from '../../shared/core/board/html';
import {
  boardRow,
  BoardQueryError,
  matchesFilters,
  parseFilters,
  type BoardSettings,
} from '../../shared/core/board/view';
import { CursorError, scanPage } from './board-scan';
import { sdkMessage } from './stack-options';

/** The one address the board listens on. It holds no login of its own: anything else would publish the table. */
export const LOOPBACK = '127.0.0.1';

/** Every answer's headers: no script may run, nothing is fetched from elsewhere, the types are as said. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

export interface BoardServerOptions {
  readonly table: string;
  /** Must be 127.0.0.1. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly settings: BoardSettings;
  readonly scanClient: Pick<DynamoDBDocumentClient, 'send'>;
  readonly readRecord: (key: { repository: string; digest: string }) => Promise<ImageRecord | undefined>;
  /** `tollgate status` for `registry/repository@digest`: what it printed and its exit code. */
  readonly status: (image: string) => Promise<{ readonly code: number; readonly text: string }>;
  readonly now: () => Date;
  /** @default PAGE_ROWS */
  readonly pageRows?: number;
  /** @default PAGE_SCAN_BUDGET */
  readonly scanBudget?: number;
}

export interface RunningBoard {
  readonly url: string;
  readonly port: number;
  readonly close: () => Promise<void>;
}

export class NotLoopbackError extends Error {
  public constructor(host: string) {
    super(`the board binds to ${LOOPBACK} only, not ${host}: it is read only but has no login of its own`);
    this.name = 'NotLoopbackError';
  }
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY = /^[a-z0-9][a-z0-9._/-]{0,255}$/;

/** @throws NotLoopbackError for any host but 127.0.0.1 */
export const startBoardServer = async (options: BoardServerOptions): Promise<RunningBoard> => {
  if (options.host !== LOOPBACK) throw new NotLoopbackError(options.host);
  let port = options.port;
  const server = createServer((request, response) => {
    handle(request, response, options, port).catch((error: unknown) => {
      send(response, 500, renderErrorPage(500, (error as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const send = (
  response: ServerResponse,
  status: number,
  html: string,
  extra: Record<string, string> = {},
): void => {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...extra });
  response.end(html);
};

const handle = async (
  request: IncomingMessage,
  response: ServerResponse,
  options: BoardServerOptions,
  port: number,
): Promise<void> => {
  // A page on another site may resolve its own name to 127.0.0.1 (DNS rebinding): only our own names are served.
  const host = request.headers.host ?? '';
  if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`) {
    send(response, 421, renderErrorPage(421, `this board answers only for ${LOOPBACK}:${port}`));
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, renderErrorPage(405, 'the board is read only'), { Allow: 'GET, HEAD' });
    return;
  }
  const url = new URL(request.url ?? '/', `http://${LOOPBACK}:${port}`);
  const query = (name: string): string | null => url.searchParams.get(name);
  if (url.pathname === '/') {
    await listPage(response, options, query);
  } else if (url.pathname === '/image') {
    await imagePage(response, options, query);
  } else {
    send(response, 404, renderErrorPage(404, 'no such page'));
  }
};

const listPage = async (
  response: ServerResponse,
  options: BoardServerOptions,
  query: (name: string) => string | null,
): Promise<void> => {
  const now = options.now();
  let filters;
  try {
    filters = parseFilters(query);
  } catch (error) {
    if (!(error instanceof BoardQueryError)) throw error;
    send(response, 400, renderErrorPage(400, error.message));
    return;
  }
  const cursor = query('cursor') ?? undefined;
  let result;
  try {
    result = await scanPage(options.scanClient, options.table, {
      ...(cursor === undefined || cursor === '' ? {} : { cursor }),
      ...(options.pageRows === undefined ? {} : { rows: options.pageRows }),
      ...(options.scanBudget === undefined ? {} : { budget: options.scanBudget }),
      keep: (record) => matchesFilters(boardRow(record, options.settings, now), filters),
    });
  } catch (error) {
    if (error instanceof CursorError) {
      send(response, 400, renderErrorPage(400, error.message));
      return;
    }
    send(
      response,
      502,
      renderErrorPage(502, `cannot read the verdict table ${options.table}: ${sdkMessage(error)}`),
    );
    return;
  }
  send(
    response,
    200,
    renderListPage({
      table: options.table,
      filters,
      rows: result.records.map((record) => boardRow(record, options.settings, now)),
      scanned: result.scanned,
      ...(result.next === undefined ? {} : { next: result.next }),
      continued: cursor !== undefined && cursor !== '',
    }),
  );
};

const imagePage = async (
  response: ServerResponse,
  options: BoardServerOptions,
  query: (name: string) => string | null,
): Promise<void> => {
  const repository = query('repository') ?? '';
  const digest = query('digest') ?? '';
  if (!REPOSITORY.test(repository) || !DIGEST.test(digest)) {
    send(response, 400, renderErrorPage(400, 'give repository=NAME and digest=sha256:<64 hex>'));
    return;
  }
  let record: ImageRecord | undefined;
  try {
    record = await options.readRecord({ repository, digest });
  } catch (error) {
    send(
      response,
      502,
      renderErrorPage(502, `cannot read the verdict table ${options.table}: ${sdkMessage(error)}`),
    );
    return;
  }
  const status =
    record === undefined
      ? {
          code: 1,
          text: `no record of ${repository}@${digest} in ${options.table}: never judged, or another table`,
        }
      : await options.status(`${record.image.registry}/${repository}@${digest}`);
  send(response, 200, renderImagePage({ table: options.table, repository, digest, record, status }));
};
