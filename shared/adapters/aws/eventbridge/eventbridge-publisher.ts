import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { DependencyUnavailableError } from '../../../core/domain/errors';
import { TOLLGATE_SOURCE } from '../../../core/events/tollgate-detail-types';
import type { EventPublisher, OutgoingEvent } from '../../../app/ports/event-publisher';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** ...and at most 256 KB of entries per call, measured as EventBridge measures them. */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export interface EventBridgePublisherProps {
  readonly client: EventBridgeClient;
  /** Name (or ARN) of the bus every event is put on. */
  readonly busName: string;
  /**
   * PutEvents calls per batch, the first included, before giving up on the entries still refused.
   * @default 4
   */
  readonly maxAttempts?: number;
  /**
   * Waits before resend `attempt` (1, 2, …).
   * @default exponential with full jitter: up to 100 ms × 2^attempt
   */
  readonly backoff?: (attempt: number) => Promise<void>;
}

const defaultBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));

const encoder = new TextEncoder();
const bytes = (text: string | undefined): number => (text === undefined ? 0 : encoder.encode(text).length);

/**
 * Entry size as EventBridge computes it for its limit: source, detail type, detail, resources, plus
 * 14 bytes for the time. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export const entrySize = (entry: PutEventsRequestEntry): number =>
  14 +
  bytes(entry.Source) +
  bytes(entry.DetailType) +
  bytes(entry.Detail) +
  (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0);

/**
 * PutEvents can accept some entries of a call and refuse others (`FailedEntryCount`, an `ErrorCode` on
 * each refused entry). Only the refused entries are resent, with backoff; when attempts run out this
 * throws a retryable error, so the invocation fails and Lambda's retries, then the DLQ, take over.
 * A verdict is never dropped silently.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => Promise<void>;

  public constructor(private readonly props: EventBridgePublisherProps) {
    this.maxAttempts = Math.max(1, props.maxAttempts ?? 4);
    this.backoff = props.backoff ?? defaultBackoff;
  }

  public async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (const batch of batches(events.map((event) => this.entry(event)))) await this.putBatch(batch);
  }

  private async putBatch(batch: readonly PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    let refusal = '';
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      const { Entries = [], FailedEntryCount = 0 } = await this.props.client.send(
        new PutEventsCommand({ Entries: [...pending] }),
      );
      if (FailedEntryCount === 0) return;
      // Results come back in request order; an entry with an ErrorCode was not accepted.
      const refused = pending.filter((_, index) => Entries[index]?.ErrorCode !== undefined);
      refusal = describe(Entries);
      // A count without codes says nothing about which failed: resend them all rather than lose one.
      pending = refused.length > 0 ? refused : pending;
    }
    throw new DependencyUnavailableError(
      `EventBridge refused ${pending.length} event(s) after ${this.maxAttempts} attempts: ${refusal}`,
    );
  }

  private entry(event: OutgoingEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.props.busName,
      Source: TOLLGATE_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      ...(event.resources === undefined ? {} : { Resources: [...event.resources] }),
    };
  }
}

/** Consecutive entries, at most 10 and 256 KB a call; an entry alone over the limit goes alone (and is refused). */
const batches = (entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] => {
  const result: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    const next = entrySize(entry);
    if (
      current.length === PUT_EVENTS_MAX_ENTRIES ||
      (current.length > 0 && size + next > PUT_EVENTS_MAX_BYTES)
    ) {
      result.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += next;
  }
  if (current.length > 0) result.push(current);
  return result;
};

const describe = (results: readonly PutEventsResultEntry[]): string => {
  const codes = [
    ...new Set(results.flatMap((result) => (result.ErrorCode === undefined ? [] : [result.ErrorCode]))),
  ];
  return codes.length === 0 ? 'no error code given' : codes.join(', ');
};
