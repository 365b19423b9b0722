import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EventBridgePublisher,
  PUT_EVENTS_MAX_BYTES,
  entrySize,
} from '../../../../shared/adapters/aws/eventbridge';
import { DependencyUnavailableError, RetryableError } from '../../../../shared/core/domain';
import type { OutgoingEvent } from '../../../../shared/app/ports';

const eventBridge = mockClient(EventBridgeClient);
const waits: number[] = [];
const publisher = (maxAttempts?: number): EventBridgePublisher =>
  new EventBridgePublisher({
    client: new EventBridgeClient({}),
    busName: 'tollgate',
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    backoff: (attempt) => {
      waits.push(attempt);
      return Promise.resolve();
    },
  });

const verdict = (n: number, detail: Record<string, unknown> = {}): OutgoingEvent => ({
  detailType: 'Tollgate Image Verdict',
  detail: { n, ...detail },
});
const sentEntries = (call: number): PutEventsRequestEntry[] =>
  eventBridge.commandCalls(PutEventsCommand)[call]?.args[0].input.Entries ?? [];
const numbers = (entries: PutEventsRequestEntry[]): number[] =>
  entries.map((entry) => (JSON.parse(entry.Detail ?? '{}') as { n: number }).n);

beforeEach(() => {
  eventBridge.reset();
  waits.length = 0;
});

describe('EventBridgePublisher', () => {
  it('puts each event on the bus with source tollgate, its detail type and its detail as JSON', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await publisher().publish([
      { ...verdict(1), resources: ['arn:aws:ecr:us-west-2:123456789012:repository/payments/api'] },
    ]);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'tollgate',
          Source: 'tollgate',
          DetailType: 'Tollgate Image Verdict',
          Detail: '{"n":1}',
          Resources: ['arn:aws:ecr:us-west-2:123456789012:repository/payments/api'],
        },
      ],
    });
  });

  it('sends at most 10 entries per call, in order', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    await publisher().publish(Array.from({ length: 23 }, (_, n) => verdict(n)));
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect([0, 1, 2].map((call) => numbers(sentEntries(call)))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [20, 21, 22],
    ]);
  });

  it('also splits batches at 256 KB of entries', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    const big = (n: number): OutgoingEvent => verdict(n, { padding: 'p'.repeat(100 * 1024) });
    await publisher().publish([big(0), big(1), big(2), verdict(3)]);
    expect([0, 1].map((call) => numbers(sentEntries(call)))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    for (const call of [0, 1]) {
      expect(sentEntries(call).reduce((sum, entry) => sum + entrySize(entry), 0)).toBeLessThanOrEqual(
        PUT_EVENTS_MAX_BYTES,
      );
    }
  });

  it('resends only the entries that came back with an ErrorCode, backing off', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'x' },
          { EventId: 'c' },
          { ErrorCode: 'ThrottlingException' },
        ],
      })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'b' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'd' }] });
    await publisher().publish([verdict(0), verdict(1), verdict(2), verdict(3)]);
    expect([0, 1, 2].map((call) => numbers(sentEntries(call)))).toEqual([[0, 1, 2, 3], [1, 3], [3]]);
    expect(waits).toEqual([1, 2]);
  });

  it('throws a retryable error when attempts run out, so the invocation fails to its DLQ', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure' }] });
    const failing = publisher(3).publish([verdict(0), verdict(1)]);
    await expect(failing).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(failing).rejects.toBeInstanceOf(RetryableError);
    await expect(failing).rejects.toThrow('EventBridge refused 1 event(s) after 3 attempts: InternalFailure');
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(numbers(sentEntries(2))).toEqual([1]);
  });

  it('resends the whole batch when the failure count comes without codes', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1 })
      .resolvesOnce({ FailedEntryCount: 0 });
    await publisher().publish([verdict(0), verdict(1)]);
    expect(numbers(sentEntries(1))).toEqual([0, 1]);
  });

  it('names the missing codes when it gives up on such a batch', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1 });
    await expect(publisher(1).publish([verdict(0)])).rejects.toThrow('after 1 attempts: no error code given');
  });

  it('lets an SDK error (already retried by the SDK) through', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('AccessDeniedException'));
    await expect(publisher().publish([verdict(0)])).rejects.toThrow('AccessDeniedException');
  });

  it('makes no call for no events, and waits with the default backoff', async () => {
    await new EventBridgePublisher({ client: new EventBridgeClient({}), busName: 'b' }).publish([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1 })
      .resolvesOnce({ FailedEntryCount: 0 });
    await new EventBridgePublisher({ client: new EventBridgeClient({}), busName: 'b' }).publish([verdict(0)]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });
});
