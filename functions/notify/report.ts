import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DispatchOutcome, TestAlertReport } from '../../shared/app/alerts';

/** The log line and metrics of one dispatched (or skipped) alert. */
export const reportAlert = (
  logger: Logger,
  metrics: Metrics,
  outcome: DispatchOutcome,
  replayName: string | undefined,
): void => {
  switch (outcome.kind) {
    case 'sent':
    case 'resolved':
      if (outcome.kind === 'sent') metrics.addMetric('AlertsSent', MetricUnit.Count, 1);
      metrics.addMetric('AlertWebhookEvents', MetricUnit.Count, outcome.webhookEvents);
      logger.info(outcome.kind === 'sent' ? 'alert sent' : 'approval sent to PagerDuty to resolve', {
        status: outcome.alert.status,
        repository: outcome.alert.repository,
        digest: outcome.alert.digest,
        webhookEvents: outcome.webhookEvents,
      });
      return;
    case 'delivered':
      metrics.addMetric('AlertsDelivered', MetricUnit.Count, 1);
      logger.info('alert delivered', {
        channel: outcome.result.channel,
        format: outcome.result.format,
        answer: outcome.result.answer,
      });
      return;
    default:
      metrics.addMetric('AlertsSkipped', MetricUnit.Count, 1);
      logger.info('no alert', { outcome: outcome.kind, replayName });
  }
};

/** A test alert's answers, one log line each; no metric that an alarm reads. */
export const reportTest = (logger: Logger, metrics: Metrics, report: TestAlertReport): void => {
  metrics.addMetric('AlertTests', MetricUnit.Count, 1);
  if (report.kind === 'unknown-channel') {
    logger.warn('test alert for an unknown channel', { channel: report.channel, channels: report.channels });
    return;
  }
  for (const result of report.results) {
    logger.info('test alert', { channel: result.channel, accepted: result.accepted, answer: result.answer });
  }
};
