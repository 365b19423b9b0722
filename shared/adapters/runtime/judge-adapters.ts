import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FUNCTION_ENV } from '../../core/env-contract';
import type { JudgeDeps } from '../../app/judge';
import type { VerdictStore } from '../../app/ports/verdict-store';
import type { EventPublisher } from '../../app/ports/event-publisher';
import { DynamoVerdictStore } from '../aws/dynamodb';
import { EcrFindingsReader } from '../aws/ecr';
import { EventBridgePublisher } from '../aws/eventbridge';
import { requireEnv } from './env';
import { loadSettings } from './settings';

/** Clients a function already holds (traced, or shared with its other adapters); the rest are made here. */
export interface AwsClients {
  readonly ecr?: ECRClient;
  readonly dynamodb?: DynamoDBClient;
  readonly eventBridge?: EventBridgeClient;
  readonly scheduler?: SchedulerClient;
}

/** The verdict table, as every function that reads or writes verdicts opens it. */
export const verdictStore = (dynamodb: DynamoDBClient = new DynamoDBClient({})): VerdictStore =>
  new DynamoVerdictStore({
    client: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    tableName: requireEnv(FUNCTION_ENV.table),
  });

/** The Tollgate bus, as every function that publishes opens it. */
export const busPublisher = (eventBridge: EventBridgeClient = new EventBridgeClient({})): EventPublisher =>
  new EventBridgePublisher({ client: eventBridge, busName: requireEnv(FUNCTION_ENV.bus) });

/**
 * The adapters judging needs. One builder for on-push, on-scan, on-timeout and sign (which judges an approval
 * from another policy again), so the four judge with the same store, findings reader, policy and clock.
 */
export const judgeAdapters = (
  clients: AwsClients = {},
): JudgeDeps & { readonly scanTimeoutMinutes: number } => {
  const { config, policy } = loadSettings();
  return {
    store: verdictStore(clients.dynamodb),
    findings: new EcrFindingsReader(clients.ecr ?? new ECRClient({})),
    publisher: busPublisher(clients.eventBridge),
    policy,
    settings: config,
    scanTimeoutMinutes: config.scanTimeoutMinutes,
    now: () => new Date(),
  };
};
