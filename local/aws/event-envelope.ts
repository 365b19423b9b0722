import { randomUUID } from 'node:crypto';
import { isoSeconds } from './protocol';

/** An event exactly as EventBridge hands it to a target. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** An event and the bus it was put on, in the order the stand-in accepted them. */
export interface RecordedEvent {
  readonly bus: string;
  readonly event: EventEnvelope;
}

export interface EnvelopeInput {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly resources?: readonly string[];
  readonly accountId: string;
  readonly region: string;
  /** @default now */
  readonly time?: Date;
  /** @default a random UUID, as EventBridge assigns */
  readonly id?: string;
}

export const envelope = (input: EnvelopeInput): EventEnvelope => ({
  version: '0',
  id: input.id ?? randomUUID(),
  'detail-type': input.detailType,
  source: input.source,
  account: input.accountId,
  time: isoSeconds(input.time ?? new Date()),
  region: input.region,
  resources: [...(input.resources ?? [])],
  detail: input.detail,
});
