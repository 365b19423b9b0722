import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ReconcileReport } from '../../shared/app/reconcile';

/** The run's metrics (docs/operations.md): ImagesWithoutVerdict alarms above 0. */
export const reportSweep = (
  logger: Logger,
  metrics: Metrics,
  report: ReconcileReport,
  calls: number,
): void => {
  metrics.addMetric('ImagesWithoutVerdict', MetricUnit.Count, report.withoutVerdict);
  metrics.addMetric('AttestationsRefreshed', MetricUnit.Count, report.refreshed);
  metrics.addMetric('SweepImages', MetricUnit.Count, report.images);
  metrics.addMetric('SweepApiCalls', MetricUnit.Count, calls);
  metrics.addMetric('SweepSigningQueued', MetricUnit.Count, report.signingQueued);
  if (!report.complete) metrics.addMetric('SweepIncomplete', MetricUnit.Count, 1);
  logger.info('sweep run', {
    complete: report.complete,
    stoppedBy: report.stoppedBy,
    passStartedAt: report.passStartedAt,
    repositories: report.repositories,
    images: report.images,
    actions: report.actions,
    withoutVerdict: report.withoutVerdict,
    refreshed: report.refreshed,
    signingQueued: report.signingQueued,
    calls,
  });
};
