import type { Context } from 'aws-lambda';
import { requireEnv } from '../../shared/adapters/runtime';
import { callCounter, type CallCounter } from '../../shared/adapters/runtime/call-counter';
import { pushAdapters, type PushAdapters } from '../../shared/adapters/runtime/push-adapters';
import { loadSettings } from '../../shared/adapters/runtime/settings';
import { FUNCTION_ENV } from '../../shared/core/env-contract';
import type { ReconcileCursorStore, RegistryInventory } from '../../shared/app/ports';
import { sweepSettings, type ReconcileSettings } from '../../shared/app/reconcile';

export interface ReconcileAdapters extends PushAdapters {
  readonly inventory: RegistryInventory;
  readonly cursor: ReconcileCursorStore;
  readonly sweep: ReconcileSettings & { readonly maxApiCallsPerRun: number };
  /** Every AWS call the run makes, for its budget. */
  readonly calls: CallCounter;
}

/**
 * The push adapters (the sweep records an image as on-push would), plus the inventory and the cursor. The SDK
 * clients and the adapters over them are imported here, on the first invocation, so none loads during init.
 */
export const reconcileAdapters = async (): Promise<ReconcileAdapters> => {
  const { config, policy } = loadSettings();
  const calls = callCounter();
  const { ECRClient } = await import('@aws-sdk/client-ecr');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { DynamoReconcileCursor } = await import('../../shared/adapters/aws/dynamodb');
  const { EcrRegistryInventory } = await import('../../shared/adapters/aws/ecr');
  const ecr = calls.count(new ECRClient({}));
  const dynamodb = calls.count(new DynamoDBClient({}));
  const push = await pushAdapters({
    ecr,
    dynamodb,
    eventBridge: calls.count(new EventBridgeClient({})),
    scheduler: calls.count(new SchedulerClient({})),
  });
  return {
    ...push,
    inventory: new EcrRegistryInventory(ecr),
    cursor: new DynamoReconcileCursor({
      client: DynamoDBDocumentClient.from(dynamodb),
      tableName: requireEnv(FUNCTION_ENV.table),
    }),
    sweep: { ...sweepSettings(config, policy), maxApiCallsPerRun: config.reconcile.maxApiCallsPerRun },
    calls,
  };
};

/** Stop with this much of the invocation left: the cursor is saved, and the action in hand finishes first. */
export const TIME_MARGIN_MS = 30_000;

/** Spent: its calls, or its time. A run that stops leaves its cursor; the next continues there. */
export const exhausted = (adapters: ReconcileAdapters, context: Context, startCalls: number) => (): boolean =>
  adapters.calls.calls - startCalls >= adapters.sweep.maxApiCallsPerRun ||
  context.getRemainingTimeInMillis() < TIME_MARGIN_MS;
