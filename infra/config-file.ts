import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigValidationError } from '../shared/core/domain/errors';
import { parseConfig, validateConfig, type TollgateConfig } from '../shared/core/config';
import { parsePolicy, type LoadedPolicy } from '../shared/core/policy';

export const DEFAULT_CONFIG_FILE = 'tollgate.config.yaml';

export interface ResolvedSettings {
  readonly config: TollgateConfig;
  readonly policy: LoadedPolicy;
  /** Absolute path of the policy file, bundled next to the functions that judge. */
  readonly policyFile: string;
  /** The policy document exactly as read; its SHA-256 is `policy.digest`. */
  readonly policyText: string;
}

/**
 * Validates the configuration and the policy it names. Runs at `cdk synth`, so a bad field
 * fails the synth with its path instead of failing a Lambda at 3 a.m.
 * @throws ConfigValidationError or PolicyValidationError
 */
export const resolveSettings = (input: unknown, baseDir: string): ResolvedSettings => {
  const config = validateConfig(input);
  return withPolicy(config, baseDir);
};

export const loadConfigFile = (path: string): ResolvedSettings => {
  if (!existsSync(path)) {
    throw new ConfigValidationError([{ field: '(file)', message: `${path} does not exist` }]);
  }
  const config = parseConfig(readFileSync(path, 'utf8'), path);
  return withPolicy(config, dirname(path));
};

const withPolicy = (config: TollgateConfig, baseDir: string): ResolvedSettings => {
  const policyFile = isAbsolute(config.policy) ? config.policy : resolve(baseDir, config.policy);
  if (!existsSync(policyFile)) {
    throw new ConfigValidationError([
      { field: 'policy', message: `policy file ${policyFile} does not exist` },
    ]);
  }
  const policyText = readFileSync(policyFile, 'utf8');
  return { config, policy: parsePolicy(policyText, policyFile), policyFile, policyText };
};
