import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { dispatchAlert, type DispatchOutcome } from '../../shared/app/alerts';
import { EventValidationError } from '../../shared/core/domain/errors';
import { parseWithSchema, tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { notifyAdapters } from './deps';
import { reportAlert } from './report';

/** The envelope fields the notifier reads; the detail is checked by the alert's own schema. */
const envelopeSchema = z.object({
  id: z.string().optional(),
  'detail-type': z.string().min(1),
  detail: z.unknown(),
  account: z.string().optional(),
  region: z.string().optional(),
  'replay-name': z.string().optional(),
});

// Bound outside the spec, so the schema, not the spec, gives the input its type.
const parseEnvelope = parseWithSchema(envelopeSchema);

const notify = tollgateHandler({
  name: 'notify',
  what: 'Tollgate event envelope',
  parse: parseEnvelope,
  // Tollgate's own events: one that cannot be read is a bug to look at, so it waits in the DLQ.
  malformed: 'throw',
  adapters: notifyAdapters,
  keys: (event) => ({ correlationId: event.id, detailType: event['detail-type'] }),
  run: async (event, { deps, logger, metrics }): Promise<DispatchOutcome['kind']> => {
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
    reportAlert(logger, metrics, outcome, event['replay-name']);
    return outcome.kind;
  },
});

export const handler = notify.handler;
