import { ConfigValidationError } from '../../core/domain/errors';

/** A variable the construct always sets. Missing means a broken deployment: fail loudly, not later. */
export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigValidationError([{ field: name, message: `environment variable ${name} is not set` }]);
  }
  return value;
};
