import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './faults';
import { AwsApiError } from './protocol';
import {
  FORM_CONTENT_TYPE,
  invalidAction,
  parseForm,
  QueryRequest,
  queryServerError,
  queryThrottled,
  sendQueryError,
  sendQueryResult,
  type QueryService,
} from './query-protocol';

export interface QueryRoutes {
  readonly query: readonly QueryService[];
  readonly faults: FaultInjector;
  readonly log: (line: string) => void;
}

/** The Query protocol has no target header: a form-encoded POST is one. */
export const isQueryCall = (request: IncomingMessage): boolean =>
  request.method === 'POST' &&
  (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE);

/** Finds the service by `Version`, counts the call and applies its faults, and answers in XML. */
export const answerQuery = async (
  routes: QueryRoutes,
  response: ServerResponse,
  body: Buffer,
): Promise<void> => {
  const form = parseForm(body);
  const version = form.get('Version') ?? '';
  const action = form.get('Action') ?? '';
  const service = routes.query.find((candidate) => candidate.version === version);
  if (service === undefined) {
    sendQueryError(
      response,
      'http://aws.amazon.com/',
      new AwsApiError('NoSuchVersion', `Version ${version} of the Query API is not served by the stand-in`),
    );
    return;
  }
  try {
    const outcome = await routes.faults.call(`${service.name}:${action}`);
    if (outcome === 'throttle') throw queryThrottled();
    if (outcome === 'server') throw queryServerError();
    const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
    if (operation === undefined) throw invalidAction(action);
    sendQueryResult(response, service, action, await operation(new QueryRequest(form)));
  } catch (error) {
    if (error instanceof AwsApiError) {
      sendQueryError(response, service.xmlns, error);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    routes.log(`internal error: ${message}`);
    sendQueryError(response, service.xmlns, queryServerError(message));
  }
};
