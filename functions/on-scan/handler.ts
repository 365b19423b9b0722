import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseEvent } from '../../shared/core/events';
import { judgeScanEvent, type ScanEventOutcome } from '../../shared/app/judge';
import { judgeAdapters } from '../../shared/adapters/runtime/judge-adapters';
import { tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { reportOutcome } from './report';
import { scopeOfEvent, spokeTarget } from '../../shared/adapters/runtime/image-scope';

/** What one invocation did, for logs and tests; Lambda discards it for asynchronous invocations. */
export type OnScanResult =
  | { readonly kind: 'malformed'; readonly code: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | ScanEventOutcome;

/** Scan and finding events → a verdict per image (shared/app/judge/judge-scan-event.ts). */
const onScan = tollgateHandler({
  name: 'on-scan',
  what: 'scan event',
  parse: parseEvent,
  malformed: (error): OnScanResult => ({ kind: 'malformed', code: error.code }),
  scope: {
    of: (event) =>
      scopeOfEvent({
        ...event,
        repositories:
          event.kind === 'finding' ? event.images.map((image) => image.repository) : [event.repository],
      }),
    refused: (reason): OnScanResult => ({ kind: 'refused', reason }),
  },
  adapters: (_, scope) => judgeAdapters({}, spokeTarget('on-scan', scope)),
  run: async (event, { deps, logger, metrics }): Promise<OnScanResult> => {
    if (event.replayName !== undefined) {
      logger.info('replayed event: judging without effect', { replayName: event.replayName });
      metrics.addMetric('ReplayedEvents', MetricUnit.Count, 1);
    }
    const outcome = await judgeScanEvent(deps, event, (judged, image, fields) => {
      logger.appendKeys({ repository: image.repository, digest: image.digest, correlationId: event.eventId });
      reportOutcome(logger, metrics, judged, fields);
    });
    if (outcome.kind === 'ignored') {
      logger.info('event ignored', { reason: outcome.reason });
      // Counted, as every other outcome is: an invocation that adds no metric makes Powertools warn in the log.
      metrics.addMetric('IgnoredEvents', MetricUnit.Count, 1);
    }
    return outcome;
  },
});

export const handler = onScan.handler;
export const resetAdapters = onScan.reset;
