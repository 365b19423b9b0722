import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { dispatchAlert, type DispatchDeps, type DispatchOutcome } from '../../shared/app/alerts';
import { EventValidationError } from '../../shared/core/domain/errors';
import { toValidationIssues } from '../../shared/core/events';
import { observability } from '../../shared/adapters/runtime';
import { countedPublisher } from '../../shared/adapters/runtime/counted-publisher';
import { notifyAdapters } from './deps';

const { logger, metrics, tracer } = observability('notify');
let deps: DispatchDeps | undefined;

/** The envelope fields the notifier reads; the detail is checked by the alert's own schema. */
const envelopeSchema = z.object({
  id: z.string().optional(),
  'detail-type': z.string().min(1),
  detail: z.unknown(),
  account: z.string().optional(),
  region: z.string().optional(),
  'replay-name': z.string().optional(),
});

const onTollgateEvent = async (raw: unknown): Promise<DispatchOutcome['kind']> => {
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) {
    metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
    throw new EventValidationError(toValidationIssues(parsed.error));
  }
  const event = parsed.data;
  logger.appendKeys({ correlationId: event.id, detailType: event['detail-type'] });
  if (deps === undefined) {
    const adapters = notifyAdapters();
    deps = { ...adapters, publisher: countedPublisher(adapters.publisher, metrics) };
  }
  let outcome: DispatchOutcome;
  try {
    outcome = await dispatchAlert(deps, {
      detailType: event['detail-type'],
      detail: event.detail,
      ...(event.account === undefined ? {} : { account: event.account }),
      ...(event.region === undefined ? {} : { region: event.region }),
      ...(event['replay-name'] === undefined ? {} : { replayName: event['replay-name'] }),
    });
  } catch (error) {
    if (error instanceof EventValidationError) {
      logger.error('unreadable Tollgate event; it goes to the DLQ', { error, issues: error.issues });
      metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
    }
    throw error;
  }
  if (outcome.kind === 'sent') {
    metrics.addMetric('AlertsSent', MetricUnit.Count, 1);
    metrics.addMetric('AlertWebhookEvents', MetricUnit.Count, outcome.webhookEvents);
    logger.info('alert sent', {
      status: outcome.alert.status,
      repository: outcome.alert.repository,
      digest: outcome.alert.digest,
      webhookEvents: outcome.webhookEvents,
    });
  } else {
    metrics.addMetric('AlertsSkipped', MetricUnit.Count, 1);
    logger.info('no alert', { outcome: outcome.kind, replayName: event['replay-name'] });
  }
  return outcome.kind;
};

export const handler = middy(onTollgateEvent)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
