import type { TollgateDetailType } from '../../core/events/tollgate-detail-types';

export interface OutgoingEvent {
  readonly detailType: TollgateDetailType;
  /** Serialized with JSON.stringify; an object, never a string. */
  readonly detail: object;
  /** ARNs the event is about (the repository), so rules can match on `resources`. */
  readonly resources?: readonly string[];
}

/**
 * Puts events on the Tollgate bus. Resolves only when every entry was accepted: entries that
 * fail are resent, and when retries run out it throws, so a verdict is never dropped silently.
 */
export interface EventPublisher {
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}
