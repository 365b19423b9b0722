import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { PushOutcome } from '../../shared/app/push';

/** The log line and metric of one handled push. */
export const reportPush = (logger: Logger, metrics: Metrics, outcome: PushOutcome): void => {
  metrics.addMetric(`Push_${outcome.kind}`, MetricUnit.Count, 1);
  if (outcome.kind === 'ignored') {
    logger.debug('push ignored', { reason: outcome.reason });
    return;
  }
  logger.info('push handled', {
    outcome: outcome.kind,
    ...('reason' in outcome ? { reason: outcome.reason } : {}),
    ...(outcome.kind === 'recorded' ? { created: outcome.created, start: outcome.start } : {}),
  });
};
