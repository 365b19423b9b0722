/** Messages between the local Lambda runtime (local/lambda.ts) and a function's worker (local/lambda-worker.ts). */

export interface WorkerInit {
  /** Absolute path of the handler module. */
  readonly entry: string;
  readonly handlerExport: string;
}

/** The serializable part of the Lambda context; the worker adds the methods. */
export interface ContextInit {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadlineMs: number;
}

export interface InvocationRequest {
  readonly id: number;
  readonly event: unknown;
  readonly context: ContextInit;
  /** Record the HTTP calls the handler makes (TracedCall), for the bench's critical path. */
  readonly traceCalls?: boolean;
}

/** One HTTP request a handler made, timed on the worker's side: the round trip as the function sees it. */
export interface TracedCall {
  /** `http://host:port` of the endpoint. */
  readonly origin: string;
  readonly method: string;
  readonly path: string;
  /** `X-Amz-Target` of an AWS JSON call (`DynamoDB_20120810.GetItem`): the operation, which the path is not. */
  readonly target?: string;
  /** Epoch milliseconds (timeOrigin + now, fractional), comparable across threads. */
  readonly startMs: number;
  readonly endMs: number;
}

/** What one invocation cost its execution environment, measured inside the worker around the handler. */
export interface InvocationUsage {
  /** process.threadCpuUsage() of the worker thread, user + system, in microseconds. */
  readonly cpuMicros: number;
  /** Wall time of the handler (Lambda bills this, not the CPU time), in milliseconds. */
  readonly durationMs: number;
  /** The environment's first invocation: it also loaded the handler and, lazily, its adapters. */
  readonly cold: boolean;
  readonly calls?: readonly TracedCall[];
}

/** Lambda's error shape (`errorType`, `errorMessage`, `trace`), as its destinations record it. */
export interface SerializedError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type InvocationResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown; readonly usage?: InvocationUsage }
  | {
      readonly id: number;
      readonly ok: false;
      readonly usage?: InvocationUsage;
      readonly error: SerializedError;
      /** `init`: loading the module failed (Lambda's Runtime.ImportModuleError and the like). */
      readonly phase: 'init' | 'invoke';
    };
