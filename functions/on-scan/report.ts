import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { JudgeOutcome } from '../../shared/app/judge';
import { emitVerdictMetric } from '../../shared/adapters/runtime/verdict-metrics';

/** The log line and metrics of one image's outcome (and of its index's, when it has one). */
export const reportOutcome = (
  logger: Logger,
  metrics: Metrics,
  outcome: JudgeOutcome,
  fields: Readonly<Record<string, unknown>>,
): void => {
  metrics.addMetric(`Judge_${outcome.kind}`, MetricUnit.Count, 1);
  switch (outcome.kind) {
    case 'unknown-image':
      // Nothing is created for it, and it is not retried: an image pushed before Tollgate was installed
      // would otherwise loop through retries. A scan that merely beat its push event is not lost:
      // on-push judges an ended scan itself once it has recorded the push.
      logger.info('image unknown to Tollgate: skipped', {
        ...fields,
        why: 'no record of this digest: pushed before Tollgate covered it, or its push is not recorded yet (on-push then judges this scan when it records the push)',
      });
      metrics.addMetric('UnknownImages', MetricUnit.Count, 1);
      break;
    case 'decided':
      emitVerdictMetric(metrics, outcome);
      logger.info('verdict decided', {
        ...fields,
        verdict: outcome.verdict.outcome,
        blockingTotal: outcome.verdict.outcome === 'ERROR' ? 0 : outcome.verdict.blockingTotal,
        published: outcome.published,
        dryRun: outcome.dryRun,
      });
      break;
    case 'waiting':
      logger.info('no decision yet', { ...fields, reason: outcome.reason, message: outcome.message });
      break;
    default:
      logger.info('nothing to do', { ...fields, outcome: outcome.kind });
  }
  if (outcome.index !== undefined) reportOutcome(logger, metrics, outcome.index, { ...fields, index: true });
};
