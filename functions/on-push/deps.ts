import { FUNCTION_ENV } from '../../shared/core/env-contract';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamodb';
import { EcrFindingsReader, EcrRegistryHost, SdkEcrControl } from '../../shared/adapters/aws/ecr';
import { EventBridgePublisher } from '../../shared/adapters/aws/eventbridge';
import { SchedulerScanTimeouts } from '../../shared/adapters/aws/scheduler';
import type { JudgeDeps } from '../../shared/app/judge';
import type { PushDeps } from '../../shared/app/push';
import { loadSettings, requireEnv } from '../../shared/adapters/runtime';

/** Environment the on-push construct sets (infra/constructs/on-push.ts). */
export const ON_PUSH_ENV = {
  table: FUNCTION_ENV.table,
  bus: FUNCTION_ENV.bus,
  idempotencyTable: FUNCTION_ENV.idempotencyTable,
  scheduleGroup: FUNCTION_ENV.scheduleGroup,
  timeoutFunction: FUNCTION_ENV.timeoutFunction,
  schedulerRole: FUNCTION_ENV.schedulerRole,
} as const;

export type PushAdapters = Omit<PushDeps, 'log' | 'once' | 'judge'> & {
  /** What judging needs: on-push judges a scan that ended before the push was recorded itself. */
  readonly judging: JudgeDeps;
};

/**
 * Built once per container, on the first invocation rather than at import, so a missing variable is
 * reported by the handler (logged, DLQ) instead of crashing the init phase with no event to show.
 */
export const pushAdapters = (): PushAdapters => {
  const { config, policy } = loadSettings();
  const ecrClient = new ECRClient({});
  const host = new EcrRegistryHost(ecrClient);
  const store = new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: requireEnv(ON_PUSH_ENV.table),
  });
  const publisher = new EventBridgePublisher({
    client: new EventBridgeClient({}),
    busName: requireEnv(ON_PUSH_ENV.bus),
  });
  const now = (): Date => new Date();
  return {
    ecr: new SdkEcrControl(ecrClient),
    store,
    scheduler: new SchedulerScanTimeouts({
      client: new SchedulerClient({}),
      groupName: requireEnv(ON_PUSH_ENV.scheduleGroup),
      targetArn: requireEnv(ON_PUSH_ENV.timeoutFunction),
      roleArn: requireEnv(ON_PUSH_ENV.schedulerRole),
    }),
    publisher,
    registryHost: () => host.host(),
    settings: config,
    now,
    judging: { store, findings: new EcrFindingsReader(ecrClient), publisher, policy, settings: config, now },
  };
};
