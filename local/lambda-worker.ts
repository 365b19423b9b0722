/**
 * Runs inside one function's worker thread (started by local/lambda.ts, with tsx registered): loads the
 * handler module on the first invocation, like Lambda's init phase, then runs one invocation per message.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type {
  InvocationRequest,
  InvocationResponse,
  InvocationUsage,
  SerializedError,
  TracedCall,
  WorkerInit,
} from './lambda-protocol';

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error: unknown, result?: unknown) => void,
) => unknown;

const init = workerData as WorkerInit;
let loaded: Promise<Handler> | undefined;

const load = (): Promise<Handler> => {
  // require, not import(): tsx compiles the handler and everything it imports to CommonJS, the way the
  // esbuild bundle (format cjs) does.
  const module = createRequire(init.entry)(init.entry) as Record<string, unknown>;
  // An ES module compiled to CommonJS may put its exports under `default`.
  const exported =
    module[init.handlerExport] ??
    (module.default as Record<string, unknown> | undefined)?.[init.handlerExport];
  if (typeof exported !== 'function') {
    throw Object.assign(new Error(`${init.entry} does not export a function ${init.handlerExport}`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return Promise.resolve(exported as Handler);
};

/** Epoch milliseconds with a fraction: each thread's performance.now() has its own origin, this does not. */
const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * The HTTP calls of the invocation being traced, timed here rather than by the servers: the registry front
 * runs in a thread of its own, so only the caller sees every endpoint on one clock. A container runs one
 * invocation at a time, so one list is enough. The channels are Node's own: undici's for `fetch` (the OCI
 * client), node:http's for the AWS SDK.
 */
let recording: TracedCall[] | undefined;
const open = new WeakMap<object, Omit<TracedCall, 'endMs'>>();
const finish = (request: object): void => {
  const call = open.get(request);
  open.delete(request);
  if (call !== undefined) recording?.push({ ...call, endMs: epochMs() });
};
subscribe('undici:request:create', (message) => {
  if (recording === undefined) return;
  const { request } = message as { request: { origin: string | URL; method: string; path: string } };
  open.set(request, {
    origin: String(request.origin),
    method: request.method,
    path: request.path,
    startMs: epochMs(),
  });
});
subscribe('undici:request:trailers', (message) => finish((message as { request: object }).request));
subscribe('undici:request:error', (message) => finish((message as { request: object }).request));
subscribe('http.client.request.start', (message) => {
  if (recording === undefined) return;
  const { request } = message as { request: ClientRequest };
  // The SDK sets Host with the port, which is what tells the local endpoints apart.
  const host = request.getHeader('host');
  const target = request.getHeader('x-amz-target');
  open.set(request, {
    origin: `${request.protocol}//${typeof host === 'string' ? host : request.host}`,
    method: request.method,
    path: request.path,
    ...(typeof target === 'string' ? { target } : {}),
    startMs: epochMs(),
  });
});
subscribe('http.client.response.finish', (message) => finish((message as { request: object }).request));
subscribe('http.client.request.error', (message) => finish((message as { request: object }).request));

const serialize = (error: unknown): SerializedError => {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
};

/** Results cross the thread boundary as JSON, as they would leave a real Lambda. */
const toJson = (value: unknown): unknown =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);

const invoke = async (request: InvocationRequest): Promise<InvocationResponse> => {
  const { context: init_ } = request;
  const context = {
    ...init_,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, init_.deadlineMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  let handler: Handler;
  try {
    loaded ??= Promise.resolve().then(load);
    handler = await loaded;
  } catch (error) {
    // Lambda throws away a container whose init failed; the runtime does the same with this worker.
    return { id: request.id, ok: false, error: serialize(error), phase: 'init' };
  }
  try {
    const result =
      handler.length >= 3
        ? await new Promise((resolve, reject) => {
            const returned = handler(request.event, context, (error, value) =>
              error === null || error === undefined
                ? resolve(value)
                : reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
            );
            if (returned instanceof Promise) returned.then(resolve, reject);
          })
        : await handler(request.event, context);
    return { id: request.id, ok: true, result: toJson(result) };
  } catch (error) {
    return { id: request.id, ok: false, error: serialize(error), phase: 'invoke' };
  }
};

/** Whether this environment has been invoked before: its first invocation is its cold start. */
let invoked = false;

/**
 * Runs one invocation and measures what it cost this execution environment: the thread's CPU time
 * (process.threadCpuUsage, since process.cpuUsage would count every thread of the process) and wall time.
 * Both include loading the handler on a cold start, as Lambda bills the init of an on-demand environment.
 */
const measured = async (request: InvocationRequest): Promise<InvocationResponse> => {
  const cold = !invoked;
  invoked = true;
  recording = request.traceCalls === true ? [] : undefined;
  const cpu = process.threadCpuUsage();
  const started = performance.now();
  const response = await invoke(request);
  const spent = process.threadCpuUsage(cpu);
  const usage: InvocationUsage = {
    cpuMicros: spent.user + spent.system,
    durationMs: performance.now() - started,
    cold,
    ...(recording === undefined ? {} : { calls: recording }),
  };
  recording = undefined;
  return { ...response, usage };
};

parentPort?.on('message', (request: InvocationRequest) => {
  void measured(request).then((response) => parentPort?.postMessage(response));
});
