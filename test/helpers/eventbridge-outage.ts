import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * EventBridge refusing every entry (`FailedEntryCount`, as under load) until `end()`, then accepting them: the
 * outage a writer's first attempt meets and its retry does not.
 */
export const eventBridgeOutage = (eventBridge: AwsClientStub<EventBridgeClient>): { end(): void } => {
  let refusing = true;
  eventBridge
    .on(PutEventsCommand)
    .callsFake(() =>
      refusing
        ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] }
        : { FailedEntryCount: 0, Entries: [{ EventId: 'e' }] },
    );
  return {
    end: () => {
      refusing = false;
    },
  };
};
