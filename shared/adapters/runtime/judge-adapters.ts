import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { FUNCTION_ENV } from '../../core/env-contract';
import type { JudgeDeps } from '../../app/judge';
import type { VerdictStore } from '../../app/ports/verdict-store';
import type { EventPublisher } from '../../app/ports/event-publisher';
import { requireEnv } from './env';
import { loadSettings } from './settings';
import { spokeEcrClient, type SpokeTarget } from './spoke-clients';

// Every SDK client and the adapter over it is imported where it is built (`await import()`), on the first
// invocation: esbuild makes each a `require` run then, so no SDK module is loaded during init, and a function
// loads only the clients it uses (bench/cold-init.ts, docs/benchmarks.md).

/** Clients a function already holds (traced, or shared with its other adapters); the rest are made here. */
export interface AwsClients {
  readonly ecr?: ECRClient;
  readonly dynamodb?: DynamoDBClient;
  readonly eventBridge?: EventBridgeClient;
  readonly scheduler?: SchedulerClient;
}

/** `clients.ecr`, or the spoke's ECR client (the spoke role's credentials), or a new ECR client. */
export const ecrClient = async (clients: AwsClients = {}, spoke?: SpokeTarget): Promise<ECRClient> =>
  clients.ecr ??
  (spoke === undefined
    ? new (await import('@aws-sdk/client-ecr')).ECRClient({})
    : await spokeEcrClient(spoke));

/** The verdict table, as every function that reads or writes verdicts opens it. */
export const verdictStore = async (dynamodb?: DynamoDBClient): Promise<VerdictStore> => {
  const tableName = requireEnv(FUNCTION_ENV.table);
  const client = dynamodb ?? new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({});
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { DynamoVerdictStore } = await import('../aws/dynamodb');
  return new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  });
};

/** The Tollgate bus, as every function that publishes opens it. */
export const busPublisher = async (eventBridge?: EventBridgeClient): Promise<EventPublisher> => {
  const busName = requireEnv(FUNCTION_ENV.bus);
  const { EventBridgePublisher } = await import('../aws/eventbridge');
  const client = eventBridge ?? new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient({});
  return new EventBridgePublisher({ client, busName });
};

/**
 * The adapters judging needs. One builder for on-push, on-scan, on-timeout and sign (which judges an approval
 * from another policy again), so the four judge with the same store, findings reader, policy and clock.
 */
export const judgeAdapters = async (
  clients: AwsClients = {},
  spoke?: SpokeTarget,
): Promise<JudgeDeps & { readonly scanTimeoutMinutes: number }> => {
  const { config, policy } = loadSettings();
  const store = await verdictStore(clients.dynamodb);
  const publisher = await busPublisher(clients.eventBridge);
  const { EcrFindingsReader } = await import('../aws/ecr');
  return {
    store,
    findings: new EcrFindingsReader(await ecrClient(clients, spoke)),
    ...(spoke === undefined ? {} : { scope: spoke.scope }),
    publisher,
    policy,
    settings: config,
    scanTimeoutMinutes: config.scanTimeoutMinutes,
    now: () => new Date(),
  };
};
