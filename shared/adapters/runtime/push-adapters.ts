import { ECRClient } from '@aws-sdk/client-ecr';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { FUNCTION_ENV } from '../../core/env-contract';
import type { JudgeDeps } from '../../app/judge';
import type { PushDeps } from '../../app/push';
import { EcrRegistryHost, SdkEcrControl } from '../aws/ecr';
import { SchedulerScanTimeouts } from '../aws/scheduler';
import { requireEnv } from './env';
import { judgeAdapters, type AwsClients } from './judge-adapters';
import { loadSettings } from './settings';

export type PushAdapters = Omit<PushDeps, 'log' | 'once' | 'judge'> & {
  /** What judging needs: on-push judges a scan that ended before the push was recorded itself. */
  readonly judging: JudgeDeps;
};

/**
 * What on-push works with, and what the sweep records an image with when no push event came: one builder, so the
 * two start a pipeline alike. Built on the first invocation rather than at import, so a missing variable is
 * reported by the handler (logged, DLQ) instead of crashing the init phase with no event to show.
 */
export const pushAdapters = (clients: AwsClients = {}): PushAdapters => {
  const ecrClient = clients.ecr ?? new ECRClient({});
  const host = new EcrRegistryHost(ecrClient);
  const { config } = loadSettings();
  const judging = judgeAdapters({ ...clients, ecr: ecrClient });
  return {
    ecr: new SdkEcrControl(ecrClient),
    store: judging.store,
    scheduler: new SchedulerScanTimeouts({
      client: clients.scheduler ?? new SchedulerClient({}),
      groupName: requireEnv(FUNCTION_ENV.scheduleGroup),
      targetArn: requireEnv(FUNCTION_ENV.timeoutFunction),
      roleArn: requireEnv(FUNCTION_ENV.schedulerRole),
    }),
    publisher: judging.publisher,
    registryHost: () => host.host(),
    settings: config,
    now: judging.now,
    judging,
  };
};
