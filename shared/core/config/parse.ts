import { parse as parseYaml } from 'yaml';
import { ConfigValidationError } from '../domain/errors';
import { toValidationIssues } from '../events/parse';
import { configSchema, type TollgateConfig } from './schema';

/** @throws ConfigValidationError naming the field and, for enums, the allowed values. */
export const validateConfig = (raw: unknown, source = 'tollgate.config.yaml'): TollgateConfig => {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigValidationError(toValidationIssues(result.error), { subject: source });
  return result.data;
};

export const parseConfig = (text: string, source = 'tollgate.config.yaml'): TollgateConfig => {
  let raw: unknown;
  try {
    raw = parseYaml(text, { schema: 'core' });
  } catch (error) {
    throw new ConfigValidationError([{ field: '(root)', message: `not valid YAML: ${String(error)}` }], {
      cause: error,
      subject: source,
    });
  }
  return validateConfig(raw, source);
};
