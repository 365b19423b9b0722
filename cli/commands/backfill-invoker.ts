import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import type { ReconcileRequest } from '../../shared/core/events/reconcile-request';
import type { ReconcileReport } from '../../shared/app/reconcile';
import { sdkMessage } from './stack-options';

/** What one invocation of the reconcile function came back with. */
export type ReconcileInvocation =
  /** The run's report (functions/reconcile/handler.ts returns it). */
  | { readonly kind: 'report'; readonly report: ReconcileReport }
  /** The function threw, timed out or ran out of memory (Lambda's `FunctionError`): its message. */
  | { readonly kind: 'function-error'; readonly message: string }
  /** Throttled: another run of the sweep holds its one slot (reserved concurrency 1), e.g. the scheduled one. */
  | { readonly kind: 'busy'; readonly message: string };

/** Runs the reconcile function once, synchronously. The real one is `lambdaInvoker()`; tests pass a fake. */
export interface ReconcileInvoker {
  invoke(functionName: string, request: ReconcileRequest): Promise<ReconcileInvocation>;
}

/**
 * Lambda Invoke (RequestResponse) with the standard SDK v3 client and the caller's credentials and region, so
 * `AWS_ENDPOINT_URL_LAMBDA` (or `AWS_ENDPOINT_URL`) points it at the `tollgate local` stand-in as it points any SDK
 * client.
 */
export const lambdaInvoker = (client: () => LambdaClient = () => new LambdaClient({})): ReconcileInvoker => {
  let lambda: LambdaClient | undefined;
  return {
    invoke: async (functionName, request) => {
      lambda ??= client();
      let output;
      try {
        output = await lambda.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'RequestResponse',
            Payload: Buffer.from(JSON.stringify(request)),
          }),
        );
      } catch (error) {
        if (error instanceof TooManyRequestsException) return { kind: 'busy', message: sdkMessage(error) };
        const hint =
          error instanceof ResourceNotFoundException
            ? ": give the stack output ReconcileFunctionName, in the stack's region (AWS_REGION)"
            : '';
        throw new Error(`invoking ${functionName}: ${sdkMessage(error)}${hint}`, { cause: error });
      }
      const payload = output.Payload === undefined ? '' : Buffer.from(output.Payload).toString('utf8');
      if (output.FunctionError !== undefined) {
        return { kind: 'function-error', message: functionErrorMessage(output.FunctionError, payload) };
      }
      return { kind: 'report', report: parseReport(functionName, payload) };
    },
  };
};

/** Lambda's error payload is `{"errorType","errorMessage","trace"}`: the type and message, or the raw text. */
const functionErrorMessage = (kind: string, payload: string): string => {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    const type = typeof parsed.errorType === 'string' ? `${parsed.errorType}: ` : '';
    if (typeof parsed.errorMessage === 'string') return `${kind}: ${type}${parsed.errorMessage}`;
  } catch {
    // Not JSON: shown as it came, cut short.
  }
  return `${kind}: ${payload.slice(0, 500) || '(no payload)'}`;
};

/**
 * The report the function returned. `{kind: 'malformed'}` is the handler refusing the request (a stack older than
 * this CLI); anything else that is not a report is a function that is not Tollgate's reconciler.
 */
export const parseReport = (functionName: string, payload: string): ReconcileReport => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw new Error(
      `${functionName} answered ${JSON.stringify(payload.slice(0, 200))}, not a reconcile report`,
    );
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (record.kind === 'malformed') {
    throw new Error(
      `${functionName} refused the backfill request as malformed: is the deployed stack older than this CLI? Deploy it again`,
    );
  }
  if (
    typeof record.complete !== 'boolean' ||
    typeof record.images !== 'number' ||
    typeof record.passStartedAt !== 'string' ||
    typeof record.actions !== 'object' ||
    record.actions === null ||
    typeof record.byRepository !== 'object' ||
    record.byRepository === null
  ) {
    throw new Error(
      `${functionName} answered something that is not a reconcile report: is it the stack output ReconcileFunctionName?`,
    );
  }
  return record as unknown as ReconcileReport;
};
