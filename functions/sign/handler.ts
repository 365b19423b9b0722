import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { isRetryable } from '../../shared/core/domain/errors';
import { signingRequestedEventSchema } from '../../shared/core/events';
import { parseWithSchema, tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { remove, sign, type SignResult } from './actions';
import type { ImageScope } from '../../shared/core/domain/image-scope';
import { scopeOfRequest } from '../../shared/adapters/runtime/image-scope';
import { signAdapters, type SignFunctionDeps } from './deps';

export type { SignResult } from './actions';

// Bound outside the spec, so the schema, not the spec, gives the input its type.
const parseSigningRequest = parseWithSchema(signingRequestedEventSchema);

/** The handler over the given adapters; `handler` below is this over the real ones. */
export const createHandler = (
  adapters: (
    tracer: Parameters<typeof signAdapters>[0],
    scope?: ImageScope,
  ) => SignFunctionDeps | Promise<SignFunctionDeps>,
) =>
  tollgateHandler({
    name: 'sign',
    what: 'signing request',
    parse: parseSigningRequest,
    malformed: (): SignResult => 'malformed',
    // The APPROVED verdicts it publishes count as EventsPublished, not as Verdicts: on-scan (or on-push)
    // counted that APPROVED when it decided it.
    scope: {
      of: ({ detail }) => scopeOfRequest(detail.scope, detail.repository),
      refused: (): SignResult => 'refused',
    },
    adapters: async ({ tracer }, scope) => adapters(await tracer, scope),
    keys: ({ detail }) => ({
      repository: detail.repository,
      digest: detail.digest,
      action: detail.action,
      ...(detail.correlationId === undefined ? {} : { correlationId: detail.correlationId }),
    }),
    run: async (request, { deps, logger, metrics }): Promise<SignResult> => {
      const replayName = request['replay-name'];
      if (replayName !== undefined) {
        // Archive replays are for audit and downstream consumers: signing or removing again is neither.
        metrics.addMetric('ReplaysIgnored', MetricUnit.Count, 1);
        logger.info('replayed signing request ignored', { replayName });
        return 'replay';
      }
      const { detail } = request;
      try {
        return detail.action === 'sign'
          ? await sign(deps, detail, { logger, metrics }, request.id)
          : await remove(deps, detail, { logger, metrics });
      } catch (error) {
        // Thrown either way so the failure is never silent: Lambda retries, then the event waits in the DLQ.
        metrics.addMetric(isRetryable(error) ? 'SigningRetried' : 'SigningFailed', MetricUnit.Count, 1);
        logger.error(isRetryable(error) ? 'signing failed; will be retried' : 'signing failed', { error });
        throw error;
      }
    },
  }).handler;

export const handler = createHandler(signAdapters);
