import type { ServerResponse } from 'node:http';
import { AwsApiError, sendError } from './protocol';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export type InvokeOutcome =
  | { readonly kind: 'result'; readonly payload: unknown }
  | { readonly kind: 'function-error'; readonly errorType: string; readonly errorMessage: string }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'not-found' };

/** Runs the named function of the local deployment (the orchestrator's Lambda runtime). */
export type InvokeListener = (
  functionName: string,
  payload: unknown,
  invocationType: InvocationType,
) => Promise<InvokeOutcome>;

/** Lambda's `Invoke` (restJson1): `POST /2015-03-31/functions/{FunctionName}/invocations`. */
export const LAMBDA_INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Answers an Invoke as Lambda does: 200 with the function's result as the body; for a function that threw, 200 with
 * `X-Amz-Function-Error: Unhandled` and its error; 202 for an `Event` invocation; 404 for an unknown function.
 * So `tollgate backfill` drives the local sweep through the real SDK client, as it does the deployed one.
 */
export const answerInvoke = async (
  listener: InvokeListener | undefined,
  response: ServerResponse,
  functionName: string,
  invocationType: string | undefined,
  body: string,
): Promise<void> => {
  const type: InvocationType =
    invocationType === 'Event' || invocationType === 'DryRun' ? invocationType : 'RequestResponse';
  let payload: unknown;
  try {
    payload = body === '' ? {} : JSON.parse(body);
  } catch {
    sendError(
      response,
      'restJson1',
      new AwsApiError('InvalidRequestContentException', 'payload is not JSON', 400),
    );
    return;
  }
  const outcome: InvokeOutcome =
    listener === undefined
      ? { kind: 'not-found' }
      : await listener(decodeURIComponent(functionName), payload, type);
  switch (outcome.kind) {
    case 'not-found':
      sendError(
        response,
        'restJson1',
        new AwsApiError('ResourceNotFoundException', `Function not found: ${functionName}`, 404),
      );
      return;
    case 'accepted':
      response.writeHead(type === 'DryRun' ? 204 : 202, { 'Content-Length': 0 });
      response.end();
      return;
    case 'result':
    case 'function-error': {
      const text =
        outcome.kind === 'result'
          ? JSON.stringify(outcome.payload ?? null)
          : JSON.stringify({ errorType: outcome.errorType, errorMessage: outcome.errorMessage });
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'X-Amz-Executed-Version': '$LATEST',
        ...(outcome.kind === 'function-error' ? { 'X-Amz-Function-Error': 'Unhandled' } : {}),
      });
      response.end(text);
    }
  }
};
