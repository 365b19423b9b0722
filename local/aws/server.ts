import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../ports';
import type { EventLog } from './event-log';
import type { ApiName, FaultInjector } from './faults';
import { RequestReader } from './input';
import { NOTIFICATIONS_PATH, type RegistryNotifications } from './notifications';
import type { QueryService } from './query-protocol';
import { answerQuery, isQueryCall } from './query-route';
import {
  AwsApiError,
  parseJsonObject,
  readBody,
  sendError,
  sendJson,
  serverError,
  throttlingError,
  unknownOperation,
  type WireProtocol,
} from './protocol';
import { answerInvoke, LAMBDA_INVOKE_PATH, type InvokeListener } from './lambda-invoke';
import type { SchedulerService } from './scheduler';
import type { JsonRpcService } from './service';

export interface Routes {
  readonly rpc: readonly JsonRpcService[];
  /** Services on the AWS Query protocol (SNS), told apart by `Version`. */
  readonly query: readonly QueryService[];
  readonly scheduler: SchedulerService;
  readonly notifications: RegistryNotifications;
  readonly faults: FaultInjector;
  readonly events: EventLog;
  /** The SNS messages recorded so far, for `GET /_tollgate/sns`. */
  readonly published: () => readonly unknown[];
  /** Lambda Invoke, answered by the orchestrator's runtime; absent, every function is unknown. */
  readonly invoke?: InvokeListener;
  readonly log: (line: string) => void;
}

const SCHEDULE_OPERATIONS: Readonly<Record<string, string>> = {
  POST: 'CreateSchedule',
  GET: 'GetSchedule',
  DELETE: 'DeleteSchedule',
};

/**
 * One loopback HTTP server for every service: awsJson1_1 calls are told apart by `X-Amz-Target`,
 * Query calls (SNS) by their form body, Scheduler's restJson1 calls by path. `/_tollgate/*` is the
 * stand-in's own debugging surface.
 */
export const listen = async (
  routes: Routes,
  port: number | undefined,
): Promise<{ server: Server; port: number }> => {
  const server = createServer((request, response) => {
    handle(routes, request, response).catch((error: unknown) => {
      routes.log(`request ${request.method} ${request.url} failed: ${(error as Error).message}`);
      if (!response.headersSent) sendError(response, 'awsJson1_1', serverError('awsJson1_1', 'unexpected'));
    });
  });
  // A port picked by freePort can be taken before we bind it; pick again, unless the caller chose it.
  for (let attempt = 0; ; attempt += 1) {
    const chosen = port ?? (await freePort());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(chosen, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return { server, port: chosen };
    } catch (error) {
      if (port !== undefined || attempt >= 4 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE')
        throw error;
    }
  }
};

const handle = async (routes: Routes, request: IncomingMessage, response: ServerResponse): Promise<void> => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(request);
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    await answer(response, 'awsJson1_1', routes.log, () => rpc(routes, target, body));
    return;
  }
  if (isQueryCall(request)) {
    await answerQuery(routes, response, body);
    return;
  }
  const invoke = LAMBDA_INVOKE_PATH.exec(url.pathname);
  if (request.method === 'POST' && invoke !== null) {
    const type = request.headers['x-amz-invocation-type'];
    await answerInvoke(
      routes.invoke,
      response,
      invoke[1]!,
      typeof type === 'string' ? type : undefined,
      body.toString('utf8'),
    );
    return;
  }
  if (url.pathname.startsWith('/schedules/')) {
    const name = decodeURIComponent(url.pathname.slice('/schedules/'.length));
    const operation = SCHEDULE_OPERATIONS[request.method ?? ''] ?? `${request.method ?? ''}Schedule`;
    await answer(response, 'restJson1', routes.log, async () => {
      await injectFault(routes.faults, `scheduler:${operation}`, 'restJson1');
      return routes.scheduler.handle(request.method ?? '', name, url.searchParams, parseJsonObject(body));
    });
    return;
  }
  if (request.method === 'POST' && url.pathname === NOTIFICATIONS_PATH) {
    routes.notifications.receive(parseNotification(body));
    response.writeHead(200).end();
    return;
  }
  if (request.method === 'GET' && url.pathname === '/_tollgate/events') {
    sendJson(response, 'restJson1', 200, routes.events.list());
    return;
  }
  if (request.method === 'GET' && url.pathname === '/_tollgate/sns') {
    sendJson(response, 'restJson1', 200, routes.published());
    return;
  }
  if (request.method === 'GET' && url.pathname === '/_tollgate/calls') {
    sendJson(response, 'restJson1', 200, routes.faults.calls());
    return;
  }
  sendError(
    response,
    'restJson1',
    new AwsApiError('UnknownOperationException', `${request.method} ${url.pathname}`, 404),
  );
};

const rpc = async (routes: Routes, target: string, body: Buffer): Promise<unknown> => {
  const dot = target.lastIndexOf('.');
  const prefix = target.slice(0, dot);
  const operationName = target.slice(dot + 1);
  const service = routes.rpc.find((candidate) => candidate.targetPrefix === prefix);
  if (service === undefined) throw unknownOperation(target);
  await injectFault(routes.faults, `${service.name}:${operationName}`, 'awsJson1_1');
  const operation = Object.hasOwn(service.operations, operationName)
    ? service.operations[operationName]
    : undefined;
  if (operation === undefined) throw unknownOperation(operationName);
  return operation(new RequestReader(parseJsonObject(body), service.validationError));
};

/** Counts the call (unknown operations too: they are calls the pipeline made) and applies its faults. */
const injectFault = async (faults: FaultInjector, api: ApiName, protocol: WireProtocol): Promise<void> => {
  const outcome = await faults.call(api);
  if (outcome === 'throttle') throw throttlingError(protocol);
  if (outcome === 'server') throw serverError(protocol);
};

const answer = async (
  response: ServerResponse,
  protocol: WireProtocol,
  log: (line: string) => void,
  work: () => Promise<unknown>,
): Promise<void> => {
  try {
    sendJson(response, protocol, 200, await work());
  } catch (error) {
    if (error instanceof AwsApiError) {
      sendError(response, protocol, error);
      return;
    }
    // The registry down, a state file unwritable: a 5xx, which the SDK retries, as AWS's own failures.
    const message = error instanceof Error ? error.message : String(error);
    log(`internal error: ${message}`);
    sendError(response, protocol, serverError(protocol, message));
  }
};

const parseNotification = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};
