import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { EventValidationError } from '../../shared/core/domain/errors';
import { digestSchema, repositoryNameSchema, toValidationIssues } from '../../shared/core/events';
import { handleScanTimeout, type TimeoutOutcome } from '../../shared/app/judge';
import { observability } from '../../shared/adapters/runtime';
import { countedPublisher } from '../../shared/adapters/runtime/counted-publisher';
import { judgeAdapters } from '../../shared/adapters/runtime/judge-adapters';
import { emitVerdictMetrics } from '../../shared/adapters/runtime/verdict-metrics';

const { logger, metrics, tracer } = observability('on-timeout');
let deps: ReturnType<typeof judgeAdapters> | undefined;

export type OnTimeoutResult = TimeoutOutcome['kind'] | 'malformed';

/** Tests start each case from a cold container. */
export const resetAdapters = (): void => {
  deps = undefined;
};

/**
 * The Input of the schedule on-push creates (shared/adapters/aws/scheduler). The registry host is not in it:
 * the record keeps the one the image was pushed to.
 */
const timeoutInputSchema = z.object({ repository: repositoryNameSchema, digest: digestSchema });

const onTimeout = async (raw: unknown): Promise<OnTimeoutResult> => {
  const parsed = timeoutInputSchema.safeParse(raw);
  if (!parsed.success) {
    // Retrying cannot fix it: log it as a typed error, count it and return.
    const error = new EventValidationError(toValidationIssues(parsed.error));
    logger.error('malformed scan-timeout input', { error, issues: error.issues });
    metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
    return 'malformed';
  }
  logger.appendKeys({ repository: parsed.data.repository, digest: parsed.data.digest });
  if (deps === undefined) {
    const adapters = judgeAdapters();
    deps = { ...adapters, publisher: countedPublisher(adapters.publisher, metrics) };
  }
  const outcome = await handleScanTimeout(deps, parsed.data);
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
};

export const handler = middy(onTimeout)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
