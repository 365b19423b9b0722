import { FUNCTION_ENV } from '../../core/env-contract';
import type { JudgeDeps } from '../../app/judge';
import type { PushDeps } from '../../app/push';
import { requireEnv } from './env';
import { ecrClient, judgeAdapters, type AwsClients } from './judge-adapters';
import { loadSettings } from './settings';
import type { SpokeTarget } from './spoke-clients';
import { spokeRepositories } from '../../core/config/event-scope';

export type PushAdapters = Omit<PushDeps, 'log' | 'once' | 'judge'> & {
  /** What judging needs: on-push judges a scan that ended before the push was recorded itself. */
  readonly judging: JudgeDeps;
};

/**
 * What on-push works with, and what the sweep records an image with when no push event came: one builder, so the
 * two start a pipeline alike. Built on the first invocation rather than at import, so a missing variable is
 * reported by the handler (logged, DLQ) instead of crashing the init phase with no event to show. The SDK
 * clients and their adapters are imported here too (judge-adapters.ts), so none loads during init.
 */
export const pushAdapters = async (clients: AwsClients = {}, spoke?: SpokeTarget): Promise<PushAdapters> => {
  const ecr = await ecrClient(clients, spoke);
  const { EcrRegistryHost, SdkEcrControl } = await import('../aws/ecr');
  const host = new EcrRegistryHost(ecr);
  const loaded = loadSettings().config;
  // A spoke's covered repositories are its entry's (docs/organization.md); the rest of the config is the hub's.
  const config =
    spoke === undefined ? loaded : { ...loaded, repositories: [...spokeRepositories(loaded, spoke.scope)] };
  const judging = await judgeAdapters({ ...clients, ecr }, spoke);
  const { SchedulerScanTimeouts } = await import('../aws/scheduler');
  return {
    ecr: new SdkEcrControl(ecr),
    store: judging.store,
    scheduler: new SchedulerScanTimeouts({
      client: clients.scheduler ?? new (await import('@aws-sdk/client-scheduler')).SchedulerClient({}),
      groupName: requireEnv(FUNCTION_ENV.scheduleGroup),
      targetArn: requireEnv(FUNCTION_ENV.timeoutFunction),
      roleArn: requireEnv(FUNCTION_ENV.schedulerRole),
    }),
    publisher: judging.publisher,
    registryHost: () => host.host(),
    ...(spoke === undefined ? {} : { scope: spoke.scope }),
    settings: config,
    now: judging.now,
    judging,
  };
};
