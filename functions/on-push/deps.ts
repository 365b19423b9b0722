import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoVerdictStore } from '../../shared/aws/dynamodb';
import { EcrRegistryHost, SdkEcrControl } from '../../shared/aws/ecr';
import { EventBridgePublisher } from '../../shared/aws/eventbridge';
import { SchedulerScanTimeouts } from '../../shared/aws/scheduler';
import type { PushDeps } from '../../shared/push';
import { loadSettings, requireEnv } from '../../shared/runtime';

/** Environment the on-push construct sets (infra/constructs/on-push.ts). */
export const ON_PUSH_ENV = {
  table: 'TOLLGATE_TABLE_NAME',
  bus: 'TOLLGATE_BUS_NAME',
  idempotencyTable: 'TOLLGATE_IDEMPOTENCY_TABLE',
  scheduleGroup: 'TOLLGATE_SCHEDULE_GROUP',
  timeoutFunction: 'TOLLGATE_TIMEOUT_FUNCTION_ARN',
  schedulerRole: 'TOLLGATE_SCHEDULER_ROLE_ARN',
} as const;

export type PushAdapters = Omit<PushDeps, 'log' | 'once'>;

/**
 * Built once per container, on the first invocation rather than at import, so a missing variable is
 * reported by the handler (logged, DLQ) instead of crashing the init phase with no event to show.
 */
export const pushAdapters = (): PushAdapters => {
  const { config } = loadSettings();
  const ecrClient = new ECRClient({});
  const host = new EcrRegistryHost(ecrClient);
  return {
    ecr: new SdkEcrControl(ecrClient),
    store: new DynamoVerdictStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: requireEnv(ON_PUSH_ENV.table),
    }),
    scheduler: new SchedulerScanTimeouts({
      client: new SchedulerClient({}),
      groupName: requireEnv(ON_PUSH_ENV.scheduleGroup),
      targetArn: requireEnv(ON_PUSH_ENV.timeoutFunction),
      roleArn: requireEnv(ON_PUSH_ENV.schedulerRole),
    }),
    publisher: new EventBridgePublisher({
      client: new EventBridgeClient({}),
      busName: requireEnv(ON_PUSH_ENV.bus),
    }),
    registryHost: () => host.host(),
    settings: config,
    now: () => new Date(),
  };
};
