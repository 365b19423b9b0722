import { ECRClient } from '@aws-sdk/client-ecr';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EcrRegistryHost, SdkEcrControl } from '../../shared/adapters/aws/ecr';
import { SchedulerScanTimeouts } from '../../shared/adapters/aws/scheduler';
import { loadSettings, requireEnv } from '../../shared/adapters/runtime';
import { judgeAdapters } from '../../shared/adapters/runtime/judge-adapters';
import { FUNCTION_ENV } from '../../shared/core/env-contract';
import type { JudgeDeps } from '../../shared/app/judge';
import type { PushDeps } from '../../shared/app/push';

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
  const ecrClient = new ECRClient({});
  const host = new EcrRegistryHost(ecrClient);
  const { config } = loadSettings();
  const judging = judgeAdapters({ ecr: ecrClient });
  return {
    ecr: new SdkEcrControl(ecrClient),
    store: judging.store,
    scheduler: new SchedulerScanTimeouts({
      client: new SchedulerClient({}),
      groupName: requireEnv(ON_PUSH_ENV.scheduleGroup),
      targetArn: requireEnv(ON_PUSH_ENV.timeoutFunction),
      roleArn: requireEnv(ON_PUSH_ENV.schedulerRole),
    }),
    publisher: judging.publisher,
    registryHost: () => host.host(),
    settings: config,
    now: judging.now,
    judging,
  };
};
