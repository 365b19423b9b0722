import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import {
  AlertDeliveryError,
  ALERT_TEST,
  dispatchAlert,
  sendTestAlert,
  type DispatchOutcome,
  type TestAlertReport,
} from '../../shared/app/alerts';
import { EventValidationError } from '../../shared/core/domain/errors';
import { parseWithSchema, tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { notifyAdapters } from './deps';
import { reportAlert, reportTest } from './report';

/** The envelope fields the notifier reads; the detail is checked by the alert's own schema. */
const envelopeSchema = z.object({
  id: z.string().optional(),
  'detail-type': z.string().min(1),
  detail: z.unknown(),
  account: z.string().optional(),
  region: z.string().optional(),
  'replay-name': z.string().optional(),
});

/** `tollgate alerts test` invokes notify with this detail (detail-type `Tollgate Alert Test`). */
const testDetailSchema = z.object({
  test: z.literal(true),
  channel: z.string().min(1).optional(),
  requestedBy: z.string().max(200).optional(),
});

// Bound outside the spec, so the schema, not the spec, gives the input its type.
const parseEnvelope = parseWithSchema(envelopeSchema);
const parseTest = parseWithSchema(testDetailSchema);

const notify = tollgateHandler({
  name: 'notify',
  what: 'Tollgate event envelope',
  parse: parseEnvelope,
  // Tollgate's own events: one that cannot be read is a bug to look at, so it waits in the DLQ.
  malformed: 'throw',
  adapters: notifyAdapters,
  keys: (event) => ({ correlationId: event.id, detailType: event['detail-type'] }),
  run: async (
    event,
    { deps, logger, metrics, context },
  ): Promise<DispatchOutcome['kind'] | TestAlertReport> => {
    if (event['detail-type'] === ALERT_TEST) {
      // A synchronous invocation: the caller prints the answers; nothing is retried or counted as failed.
      const report = await sendTestAlert(deps, parseTest(event.detail), event.id ?? context.awsRequestId);
      reportTest(logger, metrics, report);
      return report;
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
      if (error instanceof AlertDeliveryError) {
        // Thrown on: Lambda retries, then the event goes to the DLQ. Counted on every attempt.
        logger.error('alert not delivered; it is retried, then dead-lettered', {
          channel: error.channel,
          answer: error.judgement.answer,
          retryable: error.judgement.retryable,
        });
        metrics.addMetric('AlertsFailed', MetricUnit.Count, 1);
      }
      throw error;
    }
    reportAlert(logger, metrics, outcome, event['replay-name']);
    return outcome.kind;
  },
});

export const handler = notify.handler;
