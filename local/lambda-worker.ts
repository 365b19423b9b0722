/**
 * Runs inside one function's worker thread (started by local/lambda.ts, with tsx registered): loads the
 * handler module on the first invocation, like Lambda's init phase, then runs one invocation per message.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { InvocationRequest, InvocationResponse, SerializedError, WorkerInit } from './lambda-protocol';

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

parentPort?.on('message', (request: InvocationRequest) => {
  void invoke(request).then((response) => parentPort?.postMessage(response));
});
