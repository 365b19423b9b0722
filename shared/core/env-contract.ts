/**
 * The environment the Tollgate construct sets on its functions and the functions read: one contract, imported by
 * infra (which writes it) and by every handler's adapters (which read it), so a name cannot drift between them.
 */
export const FUNCTION_ENV = {
  /** The validated config, as JSON (infra/tollgate.ts `functionEnvironment`). */
  config: 'TOLLGATE_CONFIG',
  /** The bundled policy file, next to the handler. */
  policyFile: 'TOLLGATE_POLICY_FILE',
  table: 'TOLLGATE_TABLE_NAME',
  bus: 'TOLLGATE_BUS_NAME',
  /** The signing key's ARN (never the alias: the signer signs with the key it was deployed with). */
  signingKey: 'TOLLGATE_SIGNING_KEY_ID',
  idempotencyTable: 'TOLLGATE_IDEMPOTENCY_TABLE',
  scheduleGroup: 'TOLLGATE_SCHEDULE_GROUP',
  timeoutFunction: 'TOLLGATE_TIMEOUT_FUNCTION_ARN',
  schedulerRole: 'TOLLGATE_SCHEDULER_ROLE_ARN',
  alertTopic: 'TOLLGATE_ALERT_TOPIC_ARN',
} as const;
