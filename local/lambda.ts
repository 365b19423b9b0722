import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type {
  InvocationRequest,
  InvocationResponse,
  InvocationUsage,
  SerializedError,
  TracedCall,
  WorkerInit,
} from './lambda-protocol';
import type { LocalFunction } from './template';

/**
 * Runs the functions of the local deployment in-process, the way Lambda runs them: containers (execution
 * environments) per function, the handler module loaded once per container, asynchronous invocations retried
 * and then sent to the function's on-failure destination.
 *
 * Each container is a `node:worker_threads` Worker of its own, for isolation:
 * - Environment. Handlers read `process.env` at module load and when they build SDK clients (table names,
 *   `AWS_ENDPOINT_URL_*`), and cache what they built per container. Setting variables around each call in
 *   a shared process would leak one function's configuration into another's cached clients; a Worker's
 *   `env` option gives it a private `process.env` for its whole life, like a container.
 * - Module state. Module-level caches (settings, adapters, idempotency stores) are per container in
 *   Lambda. Workers have their own module registry, so two functions importing the same module do not
 *   share those caches, and a restarted worker starts cold, as a new container does.
 * - Stopping. A worker can be terminated at once on a timeout, and leaves no process behind, unlike a
 *   child process that must be tracked and killed.
 * Concurrent invocations of one function run in separate containers, as Lambda's execution environments: up
 * to the function's `ReservedConcurrentExecutions`, else `defaultConcurrency`, each started on demand and kept
 * warm. A container runs one invocation at a time, so a handler never sees two events interleaved in one
 * container, which Lambda never does either; events beyond the limit wait for a container to be free (where
 * Lambda would throttle and retry them, which for asynchronous events comes to the same).
 */
export interface LambdaRuntimeOptions {
  /** The repository root; `tollgate:entry` and bundled files are relative to it. */
  readonly projectRoot: string;
  /** Folder under which each function gets its `LAMBDA_TASK_ROOT` with its bundled files. */
  readonly taskRootDir: string;
  /** Endpoints, region and credentials every function gets (the stand-in's `endpointEnv()` and DynamoDB). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Delay before retry `attempt` (1, 2) of a failed asynchronous invocation. Lambda waits about one and then
   * two minutes; locally that would only slow the feedback down.
   * @default 100 ms × attempt
   */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Containers per function when its template sets no `ReservedConcurrentExecutions`. Each is a worker thread
   * with its own copy of the handler's modules (tens of MB).
   * @default 8
   */
  readonly defaultConcurrency?: number;
  /** Progress: each attempt, its outcome, each dead letter. */
  readonly onActivity?: (activity: LambdaActivity) => void;
  /** One line of a function's stdout or stderr (its logs). @default discarded */
  readonly onLog?: (functionName: string, line: string) => void;
}

export type LambdaActivity =
  | {
      readonly kind: 'start';
      readonly functionName: string;
      readonly requestId: string;
      readonly attempt: number;
    }
  | {
      readonly kind: 'success';
      readonly functionName: string;
      readonly requestId: string;
      readonly attempt: number;
      readonly durationMs: number;
      readonly result: unknown;
    }
  | {
      readonly kind: 'failure';
      readonly functionName: string;
      readonly requestId: string;
      readonly attempt: number;
      readonly durationMs: number;
      readonly error: SerializedError;
      readonly willRetry: boolean;
    }
  | { readonly kind: 'dead-letter'; readonly deadLetter: DeadLetter };

/** One asynchronous invocation that failed every attempt, as Lambda hands it to an on-failure destination. */
export interface DeadLetter {
  readonly functionName: string;
  /** ARN of the on-failure destination; absent when the function has none (Lambda then discards the event). */
  readonly destination?: string;
  /** The record Lambda sends to the destination (its documented invocation-record shape). */
  readonly record: {
    readonly version: '1.0';
    readonly timestamp: string;
    readonly requestContext: {
      readonly requestId: string;
      readonly functionArn: string;
      readonly condition: 'RetriesExhausted';
      readonly approximateInvokeCount: number;
    };
    readonly requestPayload: unknown;
    readonly responseContext: {
      readonly statusCode: 200;
      readonly executedVersion: '$LATEST';
      readonly functionError: 'Unhandled';
    };
    readonly responsePayload: SerializedError;
  };
}

export type InvokeResult =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: SerializedError };

export type AsyncInvokeOutcome =
  | { readonly kind: 'succeeded'; readonly attempts: number; readonly result: unknown }
  | { readonly kind: 'dead-lettered'; readonly attempts: number; readonly deadLetter: DeadLetter }
  | { readonly kind: 'abandoned'; readonly attempts: number };

/** What one function's invocations cost their execution environments since the last reset (the bench's CPU). */
export interface FunctionUsage {
  readonly invocations: number;
  /** Thread CPU time of the handler, user + system, summed over the invocations. */
  readonly cpuMs: number;
  /** Wall time of the handler, summed. */
  readonly durationMs: number;
  /** The same with each invocation rounded up to the millisecond, as Lambda bills it. */
  readonly billedMs: number;
  /** The function's MemorySize in the template. */
  readonly memoryMb: number;
  /** Of `invocations`, the first ones of an environment (cold starts), and their CPU time. */
  readonly coldInvocations: number;
  readonly coldCpuMs: number;
}

/** Receives the HTTP calls of each traced invocation (see LocalLambdaRuntime.traceCalls). */
export type CallTraceListener = (functionName: string, calls: readonly TracedCall[]) => void;

/** Usage by function name, and the call trace listener, shared by every container of the runtime. */
class UsageMeter {
  public tracing: CallTraceListener | undefined;
  #byFunction = new Map<string, FunctionUsage>();

  public add(fn: LocalFunction, usage: InvocationUsage): void {
    const sum = this.#byFunction.get(fn.functionName);
    this.#byFunction.set(fn.functionName, {
      invocations: (sum?.invocations ?? 0) + 1,
      cpuMs: (sum?.cpuMs ?? 0) + usage.cpuMicros / 1000,
      durationMs: (sum?.durationMs ?? 0) + usage.durationMs,
      billedMs: (sum?.billedMs ?? 0) + Math.max(1, Math.ceil(usage.durationMs)),
      memoryMb: fn.memorySize,
      coldInvocations: (sum?.coldInvocations ?? 0) + (usage.cold ? 1 : 0),
      coldCpuMs: (sum?.coldCpuMs ?? 0) + (usage.cold ? usage.cpuMicros / 1000 : 0),
    });
    if (usage.calls !== undefined) this.tracing?.(fn.functionName, usage.calls);
  }

  public snapshot(): Readonly<Record<string, FunctionUsage>> {
    return Object.fromEntries(this.#byFunction);
  }

  public reset(): void {
    this.#byFunction = new Map();
  }
}

export class LocalLambdaRuntime {
  readonly #functions: ReadonlyMap<string, LocalFunction>;
  readonly #meter = new UsageMeter();
  readonly #pools = new Map<string, ContainerPool>();
  readonly #options: LambdaRuntimeOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #deadLetters: DeadLetter[] = [];
  #stopped = false;

  public constructor(functions: readonly LocalFunction[], options: LambdaRuntimeOptions) {
    this.#options = options;
    const byKey = new Map<string, LocalFunction>();
    for (const fn of functions) {
      byKey.set(fn.logicalId, fn);
      byKey.set(fn.functionName, fn);
      byKey.set(fn.arn, fn);
    }
    this.#functions = byKey;
  }

  /** The function by logical id, name or ARN (qualified ARNs included), when it can run locally. */
  public find(reference: string): LocalFunction | undefined {
    const fn =
      this.#functions.get(reference) ?? this.#functions.get(reference.replace(/:(\$LATEST|\d+)$/, ''));
    return fn?.entry === undefined ? undefined : fn;
  }

  public get deadLetters(): readonly DeadLetter[] {
    return this.#deadLetters;
  }

  /**
   * CPU and wall time of each function's invocations since the last `resetCpuUsage`, by function name, as
   * measured in its execution environments (process.threadCpuUsage around the handler): Tollgate's own CPU,
   * apart from the stand-in, the registry and dynalite, which run elsewhere.
   */
  public cpuUsage(): Readonly<Record<string, FunctionUsage>> {
    return this.#meter.snapshot();
  }

  public resetCpuUsage(): void {
    this.#meter.reset();
  }

  /** Hands every HTTP call of each invocation from now on to `listener`; `undefined` stops the trace. */
  public traceCalls(listener: CallTraceListener | undefined): void {
    this.#meter.tracing = listener;
  }

  /** One synchronous invocation (`RequestResponse`): no retries. */
  public async invoke(reference: string, event: unknown): Promise<InvokeResult> {
    const fn = this.require(reference);
    return this.attempt(fn, event, randomUUID(), 1, false);
  }

  /**
   * An asynchronous invocation (`Event`), as EventBridge and Scheduler make: retried `maximumRetryAttempts`
   * times on error, then recorded as a dead letter. The promise settles when that is over; callers that
   * route events do not wait for it (see `idle`).
   */
  public invokeAsync(reference: string, event: unknown): Promise<AsyncInvokeOutcome> {
    const fn = this.require(reference);
    const run = this.runAsync(fn, event);
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  /** Resolves when no asynchronous invocation is running or waiting for a retry. */
  public async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  public async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }

  private require(reference: string): LocalFunction {
    const fn = this.find(reference);
    if (fn === undefined) throw new Error(`no local function ${reference} (or it has no tollgate:entry)`);
    return fn;
  }

  private async runAsync(fn: LocalFunction, event: unknown): Promise<AsyncInvokeOutcome> {
    // One request id for every attempt, as Lambda keeps it across retries of an asynchronous event.
    const requestId = randomUUID();
    const attempts = fn.maximumRetryAttempts + 1;
    let last: SerializedError = STOPPED;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await this.sleep((this.#options.retryDelayMs ?? ((n) => 100 * n))(attempt - 1));
      // Stopping abandons the event: it is neither retried nor dead-lettered.
      if (this.#stopped) return { kind: 'abandoned', attempts: attempt - 1 };
      const result = await this.attempt(fn, event, requestId, attempt, attempt < attempts);
      if (result.ok) return { kind: 'succeeded', attempts: attempt, result: result.result };
      if (this.#stopped) return { kind: 'abandoned', attempts: attempt };
      last = result.error;
    }
    const deadLetter = this.deadLetter(fn, event, requestId, attempts, last);
    return { kind: 'dead-lettered', attempts, deadLetter };
  }

  private deadLetter(
    fn: LocalFunction,
    event: unknown,
    requestId: string,
    attempts: number,
    error: SerializedError,
  ): DeadLetter {
    const deadLetter: DeadLetter = {
      functionName: fn.functionName,
      ...(fn.onFailure === undefined ? {} : { destination: fn.onFailure }),
      record: {
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId,
          functionArn: `${fn.arn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: attempts,
        },
        requestPayload: event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: error,
      },
    };
    this.#deadLetters.push(deadLetter);
    this.#options.onActivity?.({ kind: 'dead-letter', deadLetter });
    return deadLetter;
  }

  private async attempt(
    fn: LocalFunction,
    event: unknown,
    requestId: string,
    attempt: number,
    willRetry: boolean,
  ): Promise<InvokeResult> {
    const { onActivity } = this.#options;
    return this.pool(fn).use(async (container) => {
      if (this.#stopped) return { ok: false, error: STOPPED };
      onActivity?.({ kind: 'start', functionName: fn.functionName, requestId, attempt });
      const started = Date.now();
      const result = await container.run(event, requestId);
      const durationMs = Date.now() - started;
      onActivity?.(
        result.ok
          ? {
              kind: 'success',
              functionName: fn.functionName,
              requestId,
              attempt,
              durationMs,
              result: result.result,
            }
          : {
              kind: 'failure',
              functionName: fn.functionName,
              requestId,
              attempt,
              durationMs,
              error: result.error,
              willRetry,
            },
      );
      return result;
    });
  }

  private pool(fn: LocalFunction): ContainerPool {
    let pool = this.#pools.get(fn.logicalId);
    if (pool === undefined) {
      const size = fn.reservedConcurrentExecutions ?? this.#options.defaultConcurrency ?? 8;
      pool = new ContainerPool(fn, this.#options, Math.max(1, size), this.#meter);
      this.#pools.set(fn.logicalId, pool);
    }
    return pool;
  }

  private sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

/**
 * One function's containers. A free warm container is preferred (the most recently used, so the others can stay
 * idle, as Lambda reuses environments); a new one starts only when all are busy and the limit allows.
 */
class ContainerPool {
  readonly #all: Container[] = [];
  readonly #free: Container[] = [];
  readonly #waiting: ((container: Container) => void)[] = [];

  public constructor(
    private readonly fn: LocalFunction,
    private readonly options: LambdaRuntimeOptions,
    private readonly size: number,
    private readonly meter: UsageMeter,
  ) {}

  /** Runs `task` on a container of its own for the task's duration. */
  public async use<T>(task: (container: Container) => Promise<T>): Promise<T> {
    const container = await this.acquire();
    try {
      return await task(container);
    } finally {
      this.release(container);
    }
  }

  public async close(): Promise<void> {
    await Promise.all(this.#all.map((container) => container.close()));
  }

  private acquire(): Promise<Container> {
    const free = this.#free.pop();
    if (free !== undefined) return Promise.resolve(free);
    if (this.#all.length < this.size) {
      const container = new Container(this.fn, this.options, this.#all.length, this.meter);
      this.#all.push(container);
      return Promise.resolve(container);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  private release(container: Container): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free.push(container);
    else next(container);
  }
}

/** One execution environment: a worker thread, started on its first invocation and restarted after a crash. */
class Container {
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;
  #pending:
    | {
        readonly id: number;
        readonly worker: Worker;
        readonly settle: (response: InvocationResponse) => void;
      }
    | undefined;
  readonly #taskRoot: string;

  public constructor(
    private readonly fn: LocalFunction,
    private readonly options: LambdaRuntimeOptions,
    index: number,
    private readonly meter: UsageMeter,
  ) {
    // Each container its own task root, as each Lambda environment has its own file system.
    this.#taskRoot = resolve(
      options.taskRootDir,
      index === 0 ? fn.functionName : `${fn.functionName}.${index}`,
    );
  }

  public async run(event: unknown, requestId: string): Promise<InvokeResult> {
    if (this.#closed) return { ok: false, error: STOPPED };
    const worker = this.worker();
    const id = this.#nextId++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const request: InvocationRequest = {
      id,
      event,
      context: {
        functionName: this.fn.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: this.fn.arn,
        memoryLimitInMB: String(this.fn.memorySize),
        awsRequestId: requestId,
        logGroupName: `/aws/lambda/${this.fn.functionName}`,
        logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
        deadlineMs: Date.now() + timeoutMs,
      },
      ...(this.meter.tracing === undefined ? {} : { traceCalls: true }),
    };
    const response = await new Promise<InvocationResponse>((settle) => {
      const timer = setTimeout(() => {
        // Lambda stops a timed-out invocation by freezing its container; the next one starts fresh.
        this.#pending?.settle({
          id,
          ok: false,
          phase: 'invoke',
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          },
        });
        void this.terminate();
      }, timeoutMs);
      this.#pending = {
        id,
        worker,
        settle: (value) => {
          clearTimeout(timer);
          this.#pending = undefined;
          settle(value);
        },
      };
      worker.postMessage(request);
    });
    if (response.usage !== undefined) this.meter.add(this.fn, response.usage);
    if (!response.ok && response.phase === 'init') await this.terminate();
    return response.ok ? { ok: true, result: response.result } : { ok: false, error: response.error };
  }

  /** For good: invocations still queued fail at once instead of starting a new worker. */
  public async close(): Promise<void> {
    this.#closed = true;
    await this.terminate();
  }

  public async terminate(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private worker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    this.prepareTaskRoot();
    const init: WorkerInit = {
      entry: resolve(this.options.projectRoot, this.fn.entry!),
      handlerExport: this.fn.handlerExport,
    };
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      workerData: { ...init, tsx: TSX_API, tsxEsm: TSX_ESM_API, workerFile: WORKER_FILE },
      env: this.environment(),
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (buffered + chunk.toString('utf8')).split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) this.options.onLog?.(this.fn.functionName, line);
      });
    }
    worker.on('message', (response: InvocationResponse) => {
      if (this.#pending?.id === response.id) this.#pending.settle(response);
    });
    const crashed = (error: SerializedError): void => {
      if (this.#worker === worker) this.#worker = undefined;
      if (this.#pending?.worker === worker) {
        this.#pending.settle({ id: this.#pending.id, ok: false, phase: 'invoke', error });
      }
    };
    worker.on('error', (error: Error) =>
      crashed({
        errorType: `Runtime.${error.name}`,
        errorMessage: `the function crashed: ${error.message}`,
        trace: (error.stack ?? '').split('\n').slice(1),
      }),
    );
    worker.on('exit', (code) =>
      crashed({
        errorType: 'Runtime.ExitError',
        errorMessage: `the runtime exited with code ${code}`,
        trace: [],
      }),
    );
    this.#worker = worker;
    return worker;
  }

  /** LAMBDA_TASK_ROOT holds what the bundle would: here, the bundled files (the policy). */
  private prepareTaskRoot(): void {
    mkdirSync(this.#taskRoot, { recursive: true });
    for (const [name, source] of Object.entries(this.fn.bundledFiles)) {
      const target = join(this.#taskRoot, name);
      mkdirSync(resolve(target, '..'), { recursive: true });
      copyFileSync(resolve(this.options.projectRoot, source), target);
    }
  }

  /**
   * What Lambda sets, then the function's own variables from the template, then the local endpoints.
   * Nothing of the host's environment is passed on, so a developer's AWS_PROFILE or real credentials can
   * never reach a handler, and the shared config files are pointed at nothing for the same reason.
   * AWS_EXECUTION_ENV stays unset: Powertools Tracer then stays off, as there is no X-Ray daemon here.
   */
  private environment(): Record<string, string> {
    const region = this.options.environment.AWS_REGION ?? 'us-east-1';
    const noFile = join(this.#taskRoot, '.no-aws-config');
    return {
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_LAMBDA_FUNCTION_NAME: this.fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.fn.functionName}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: this.#taskRoot,
      AWS_CONFIG_FILE: noFile,
      AWS_SHARED_CREDENTIALS_FILE: noFile,
      ...this.fn.environment,
      ...this.options.environment,
    };
  }
}

/** What an invocation gets once the runtime is stopping. */
const STOPPED: SerializedError = {
  errorType: 'Runtime.Stopped',
  errorMessage: 'the local stack stopped',
  trace: [],
};

/** tsx's CommonJS API, which a worker registers to load TypeScript (WORKER_BOOTSTRAP). */
export const TSX_API = require.resolve('tsx/cjs/api');
/**
 * tsx's ESM API: compiled to CommonJS, a lazy `await import('../aws/ecr')` stays a dynamic import, which Node's
 * ES resolver refuses for a folder or an extensionless path; the esbuild bundle resolves it as TypeScript does,
 * and with this so does the worker.
 */
export const TSX_ESM_API = require.resolve('tsx/esm/api');
const WORKER_FILE = join(__dirname, 'lambda-worker.ts');
/**
 * The worker's first code. Packages published as ESM only (`@middy/core`) declare only an `import`
 * export condition; the esbuild bundle Lambda runs resolves them that way, but Node's CommonJS resolver
 * asks for `require` and fails. The resolve hook retries with `import`, and Node 24 loads the ES module
 * through `require(esm)`. Then tsx compiles TypeScript on load, as `cli/bin/tollgate.js` does, and the
 * worker runs `workerData.workerFile` (the registry front's worker uses it too: local/registry-front/thread.ts).
 */
export const WORKER_BOOTSTRAP = `
const { registerHooks } = require('node:module');
const { workerData } = require('node:worker_threads');
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
      return next(specifier, { ...context, conditions: [...context.conditions, 'import'] });
    }
  },
});
require(workerData.tsx).register();
if (workerData.tsxEsm !== undefined) require(workerData.tsxEsm).register();
require(workerData.workerFile);
`;
