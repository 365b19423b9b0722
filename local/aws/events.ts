import { DEFAULT_BUS, type StandInContext } from './context';
import { envelope } from './event-envelope';
import type { FaultInjector } from './faults';
import type { RequestReader } from './input';
import { AwsApiError, epochSeconds, type JsonObject } from './protocol';
import type { JsonRpcService } from './service';

export interface EventBridgeOptions {
  /**
   * The buses that exist besides `default`. PutEvents to any other bus is refused per entry, and
   * DescribeEventBus answers ResourceNotFoundException.
   * @default every name exists
   */
  readonly eventBuses?: readonly string[];
}

/** EventBridge's limits, restated rather than imported so a mistake in Tollgate's publisher shows here. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

type EntryResult =
  { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** EventBridge's PutEvents and DescribeEventBus. Accepted events are recorded and delivered. */
export const eventBridgeService = (
  context: StandInContext,
  faults: FaultInjector,
  options: EventBridgeOptions,
): JsonRpcService => {
  const exists = (bus: string): boolean =>
    bus === DEFAULT_BUS || options.eventBuses === undefined || options.eventBuses.includes(bus);
  const busArn = (bus: string): string =>
    `arn:aws:events:${context.region}:${context.accountId}:event-bus/${bus}`;

  const putEvent = (entry: JsonObject, request: RequestReader): EntryResult => {
    const reader = request.child(entry);
    const source = reader.optionalString('Source');
    const detailType = reader.optionalString('DetailType');
    const detailText = reader.optionalString('Detail');
    if (!source || !detailType || detailText === undefined) {
      return refusal('InvalidArgument', 'Parameters Source, DetailType and Detail are required.');
    }
    const detail = parseDetail(detailText);
    if (detail === undefined) return refusal('MalformedDetail', 'Detail is malformed.');
    const bus = busName(reader.optionalString('EventBusName') ?? DEFAULT_BUS);
    if (!exists(bus)) return refusal('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    const injected = faults.entryFailure('events:PutEvents');
    if (injected !== undefined) return refusal(injected, 'Entry refused (injected fault).');
    const time = reader.optionalNumber('Time');
    const event = envelope({
      source,
      detailType,
      detail,
      resources: reader.optionalStrings('Resources') ?? [],
      accountId: context.accountId,
      region: context.region,
      time: time === undefined ? context.now() : new Date(time * 1000),
    });
    context.events.record(bus, event);
    return { EventId: event.id };
  };

  return {
    name: 'events',
    targetPrefix: 'AWSEvents',
    validationError: 'ValidationException',
    operations: {
      PutEvents: (request) => {
        const entries = request.optionalObjects('Entries') ?? [];
        if (entries.length < 1 || entries.length > MAX_ENTRIES) {
          throw request.invalid(`Entries must hold 1 to ${MAX_ENTRIES} entries.`);
        }
        const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
        if (size > MAX_BYTES) {
          throw request.invalid('Total size of the entries in the request is over the limit.');
        }
        const results = entries.map((entry) => putEvent(entry, request));
        return Promise.resolve({
          FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
          Entries: results,
        });
      },
      DescribeEventBus: (request) => {
        const bus = busName(request.optionalString('Name') ?? DEFAULT_BUS);
        if (!exists(bus))
          throw new AwsApiError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
        return Promise.resolve({ Name: bus, Arn: busArn(bus), CreationTime: epochSeconds(new Date(0)) });
      },
    },
  };
};

/** EventBusName is a name or an ARN `arn:aws:events:<region>:<account>:event-bus/<name>`. */
export const busName = (nameOrArn: string): string => {
  const match = /^arn:aws[a-z-]*:events:[^:]*:\d*:event-bus\/(.+)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
};

/** As EventBridge measures an entry: 14 bytes for the time, plus source, detail type, detail and resources. */
const entrySize = (entry: JsonObject): number => {
  const text = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? (entry.Resources as unknown[]) : [];
  return (
    14 +
    text(entry.Source) +
    text(entry.DetailType) +
    text(entry.Detail) +
    resources.reduce<number>((sum, resource) => sum + text(resource), 0)
  );
};

const refusal = (code: string, message: string): EntryResult => ({ ErrorCode: code, ErrorMessage: message });

const parseDetail = (text: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};
