import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DispatchOutcome } from '../../shared/app/alerts';

/** The log line and metrics of one dispatched (or skipped) alert. */
export const reportAlert = (
  logger: Logger,
  metrics: Metrics,
  outcome: DispatchOutcome,
  replayName: string | undefined,
): void => {
  if (outcome.kind === 'sent') {
    metrics.addMetric('AlertsSent', MetricUnit.Count, 1);
    metrics.addMetric('AlertWebhookEvents', MetricUnit.Count, outcome.webhookEvents);
    logger.info('alert sent', {
      status: outcome.alert.status,
      repository: outcome.alert.repository,
      digest: outcome.alert.digest,
      webhookEvents: outcome.webhookEvents,
    });
    return;
  }
  metrics.addMetric('AlertsSkipped', MetricUnit.Count, 1);
  logger.info('no alert', { outcome: outcome.kind, replayName });
};
