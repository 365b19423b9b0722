import { FUNCTION_ENV } from '../../shared/core/env-contract';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamodb';
import { EcrFindingsReader } from '../../shared/adapters/aws/ecr';
import { EventBridgePublisher } from '../../shared/adapters/aws/eventbridge';
import type { JudgeDeps } from '../../shared/app/judge';
import { loadSettings, requireEnv } from '../../shared/adapters/runtime';

/** Environment the Tollgate construct sets on every function (infra/tollgate.ts). */
export const ON_SCAN_ENV = {
  table: FUNCTION_ENV.table,
  bus: FUNCTION_ENV.bus,
} as const;

/**
 * Built once per container, on the first event rather than at import, so a missing variable or a bad
 * bundled policy is reported by the handler (logged, retried, DLQ) instead of failing the init phase.
 * Local runs use these same clients, pointed elsewhere by AWS_ENDPOINT_URL_*.
 */
export const scanAdapters = (): JudgeDeps => {
  const { config, policy } = loadSettings();
  return {
    store: new DynamoVerdictStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: requireEnv(ON_SCAN_ENV.table),
    }),
    findings: new EcrFindingsReader(new ECRClient({})),
    publisher: new EventBridgePublisher({
      client: new EventBridgeClient({}),
      busName: requireEnv(ON_SCAN_ENV.bus),
    }),
    policy,
    settings: config,
    now: () => new Date(),
  };
};
