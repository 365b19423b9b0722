import type { EventPublisher, OutgoingEvent } from '../../shared/app/ports';

/** The EventPublisher port, keeping what was published, in order, instead of putting it on a bus. */
export class RecordingPublisher implements EventPublisher {
  public readonly published: OutgoingEvent[] = [];

  public publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.published.push(...events);
    return Promise.resolve();
  }
}
