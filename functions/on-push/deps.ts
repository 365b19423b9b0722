import { FUNCTION_ENV } from '../../shared/core/env-contract';

export { pushAdapters, type PushAdapters } from '../../shared/adapters/runtime/push-adapters';

/** Environment the on-push construct sets (infra/constructs/on-push.ts). */
export const ON_PUSH_ENV = {
  table: FUNCTION_ENV.table,
  bus: FUNCTION_ENV.bus,
  idempotencyTable: FUNCTION_ENV.idempotencyTable,
  scheduleGroup: FUNCTION_ENV.scheduleGroup,
  timeoutFunction: FUNCTION_ENV.timeoutFunction,
  schedulerRole: FUNCTION_ENV.schedulerRole,
} as const;
