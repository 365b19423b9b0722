import { FUNCTION_ENV } from '../../shared/core/env-contract';
import { ValidationError } from '../../shared/core/domain';
import { printable } from '../../shared/core/findings/scanners';
import { loadConfigFile, type ResolvedSettings } from '../../infra/config-file';
import { UsageError } from '../command';

/** Where `tollgate status` and `tollgate backfill` find the deployed stack when no flag names it. */
export const STACK_ENV = {
  /** The stack output VerdictTableName; the same name the functions read it by. */
  table: FUNCTION_ENV.table,
  /** The stack output ReconcileFunctionName. */
  reconcileFunction: 'TOLLGATE_RECONCILE_FUNCTION',
} as const;

export type Environment = Readonly<Record<string, string | undefined>>;

/** `--table NAME`, else `$TOLLGATE_TABLE_NAME`, else a usage error naming the stack output. */
export const verdictTableName = (option: string | undefined, env: Environment): string => {
  const name = option ?? nonEmpty(env[STACK_ENV.table]);
  if (name === undefined || name === '') {
    throw new UsageError(
      `--table NAME is required (or ${STACK_ENV.table}): the verdict table, stack output VerdictTableName`,
    );
  }
  return name;
};

/** `--function NAME`, else `$TOLLGATE_RECONCILE_FUNCTION`, else a usage error naming the stack output. */
export const reconcileFunctionName = (option: string | undefined, env: Environment): string => {
  const name = option ?? nonEmpty(env[STACK_ENV.reconcileFunction]);
  if (name === undefined || name === '') {
    throw new UsageError(
      `--function NAME is required (or ${STACK_ENV.reconcileFunction}): the reconcile function, stack output ReconcileFunctionName`,
    );
  }
  return name;
};

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** A configuration or policy file that does not load: the message, with every issue on a line of its own. */
export class SettingsFileError extends Error {
  public constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'SettingsFileError';
  }
}

/**
 * The configuration file and the policy it names, validated as `cdk synth` validates them (infra/config-file.ts),
 * so the CLI judges by the settings the stack was deployed with.
 * @throws SettingsFileError
 */
export const loadSettings = (file: string): ResolvedSettings => {
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const lines =
      error.issues.length > 1
        ? [error.message, ...error.issues.map((issue) => `  ${issue.field}: ${issue.message}`)]
        : [error.message];
    throw new SettingsFileError(lines.map(printable).join('\n'), { cause: error });
  }
};

/** An AWS SDK error as one line: its name, when the message does not already say it, and the message. */
export const sdkMessage = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const name = error.name;
  return name === 'Error' || name === '' || error.message.startsWith(name)
    ? error.message
    : `${name}: ${error.message}`;
};
