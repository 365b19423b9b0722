import { FUNCTION_ENV } from '../../core/env-contract';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoVerdictStore } from '../aws/dynamodb';
import { EcrFindingsReader } from '../aws/ecr';
import { EventBridgePublisher } from '../aws/eventbridge';
import type { JudgeDeps } from '../../app/judge';
import { requireEnv } from './env';
import { loadSettings } from './settings';

export const TABLE_ENV = FUNCTION_ENV.table;
export const BUS_ENV = FUNCTION_ENV.bus;

export const documentClient = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

/** The adapters judging needs, shared by on-scan and on-timeout (both judge the same way). */
export const judgeAdapters = (): JudgeDeps & { readonly scanTimeoutMinutes: number } => {
  const { config, policy } = loadSettings();
  return {
    store: new DynamoVerdictStore({ client: documentClient(), tableName: requireEnv(TABLE_ENV) }),
    findings: new EcrFindingsReader(new ECRClient({})),
    publisher: new EventBridgePublisher({ client: new EventBridgeClient({}), busName: requireEnv(BUS_ENV) }),
    policy,
    settings: config,
    scanTimeoutMinutes: config.scanTimeoutMinutes,
    now: () => new Date(),
  };
};
