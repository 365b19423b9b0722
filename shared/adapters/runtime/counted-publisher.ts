import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { EventPublisher } from '../../app/ports/event-publisher';

/**
 * Counts what a publisher did: `EventsPublished` when every event was accepted, `EventsFailed` when the
 * publish finally failed (the publisher's resends and the SDK's retries spent). The error is rethrown
 * unchanged, so the invocation still fails and its event is retried, then dead-lettered. A failure counts
 * every event of the call: which batches went through is not visible from outside the publisher, and
 * the retried invocation publishes them all again.
 */
export const countedPublisher = (publisher: EventPublisher, metrics: Metrics): EventPublisher => ({
  publish: async (events) => {
    if (events.length === 0) return publisher.publish(events);
    try {
      await publisher.publish(events);
    } catch (error) {
      metrics.addMetric('EventsFailed', MetricUnit.Count, events.length);
      throw error;
    }
    metrics.addMetric('EventsPublished', MetricUnit.Count, events.length);
  },
});
