import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { digestSchema, imageScopeSchema, repositoryNameSchema } from '../../shared/core/events';
import { imageKeyParts } from '../../shared/core/domain/image-ref';
import { handleScanTimeout, type TimeoutOutcome } from '../../shared/app/judge';
import { judgeAdapters } from '../../shared/adapters/runtime/judge-adapters';
import { parseWithSchema, tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { emitVerdictMetrics } from '../../shared/adapters/runtime/verdict-metrics';
import { scopeOfRequest, spokeTarget } from '../../shared/adapters/runtime/image-scope';

export type OnTimeoutResult = TimeoutOutcome['kind'] | 'malformed' | 'refused';

/**
 * The Input of the schedule on-push creates (shared/adapters/aws/scheduler). The registry host is not in it:
 * the record keeps the one the image was pushed to.
 */
const timeoutInputSchema = z.object({
  repository: repositoryNameSchema,
  digest: digestSchema,
  scope: imageScopeSchema.optional(),
});

// Bound outside the spec, so the schema, not the spec, gives the input its type.
const parseTimeoutInput = parseWithSchema(timeoutInputSchema);

const onTimeout = tollgateHandler({
  name: 'on-timeout',
  what: 'scan-timeout input',
  parse: parseTimeoutInput,
  malformed: (): OnTimeoutResult => 'malformed',
  scope: {
    of: (input) => scopeOfRequest(input.scope, input.repository),
    refused: (): OnTimeoutResult => 'refused',
  },
  adapters: (_, scope) => judgeAdapters({}, spokeTarget('on-timeout', scope)),
  keys: (input) => ({ repository: input.repository, digest: input.digest }),
  run: async (input, { deps, logger, metrics }): Promise<OnTimeoutResult> => {
    const outcome = await handleScanTimeout(deps, imageKeyParts(input));
    if (outcome.kind === 'timed-out') {
      metrics.addMetric('ScanTimeouts', MetricUnit.Count, 1);
      // A metric of its own, so the outcome dimension does not land on the invocation's other metrics.
      const verdicts = metrics.singleMetric();
      verdicts.addDimension('outcome', 'ERROR');
      verdicts.addMetric('Verdicts', MetricUnit.Count, 1);
    } else if (outcome.kind === 'judged') {
      // The scan had finished: counted like every other verdict, whichever function decides it.
      emitVerdictMetrics(metrics, outcome.outcome);
    }
    logger.info('scan timeout handled', { outcome: outcome.kind });
    return outcome.kind;
  },
});

export const handler = onTimeout.handler;
export const resetAdapters = onTimeout.reset;
