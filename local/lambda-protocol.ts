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
}

/** Lambda's error shape (`errorType`, `errorMessage`, `trace`), as its destinations record it. */
export interface SerializedError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type InvocationResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: SerializedError;
      /** `init`: loading the module failed (Lambda's Runtime.ImportModuleError and the like). */
      readonly phase: 'init' | 'invoke';
    };
