import { FUNCTION_ENV } from '../../core/env-contract';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateConfig, type TollgateConfig } from '../../core/config';
import { ConfigValidationError } from '../../core/domain/errors';
import { parsePolicy, type LoadedPolicy } from '../../core/policy';

/** Environment the construct sets on every function (infra/tollgate.ts). */
export const CONFIG_ENV = FUNCTION_ENV.config;
export const POLICY_FILE_ENV = FUNCTION_ENV.policyFile;

export interface RuntimeSettings {
  readonly config: TollgateConfig;
  readonly policy: LoadedPolicy;
}

let cached: RuntimeSettings | undefined;

/**
 * The config and policy, validated once per container. Both were already validated at synth, so
 * a failure here means the deployment was tampered with or mis-built: it throws, and the event
 * goes to the DLQ rather than being judged against a policy nobody reviewed.
 */
export const loadSettings = (env: NodeJS.ProcessEnv = process.env): RuntimeSettings => {
  if (cached !== undefined) return cached;
  const rawConfig = env[CONFIG_ENV];
  if (rawConfig === undefined) {
    throw new ConfigValidationError([{ field: CONFIG_ENV, message: `${CONFIG_ENV} is not set` }]);
  }
  const config = validateConfig(JSON.parse(rawConfig) as unknown, CONFIG_ENV);
  // The policy file is copied into the bundle; Lambda (and the local invoker) set LAMBDA_TASK_ROOT.
  const policyPath = resolve(
    env.LAMBDA_TASK_ROOT ?? process.cwd(),
    env[POLICY_FILE_ENV] ?? 'tollgate.policy.yaml',
  );
  const policy = parsePolicy(readFileSync(policyPath, 'utf8'), policyPath);
  cached = { config, policy };
  return cached;
};

/** Tests change the environment between cases. */
export const resetSettingsCache = (): void => {
  cached = undefined;
};
