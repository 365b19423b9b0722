import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from './command';

/**
 * Every command's flags, read strictly: an unknown flag, a missing value or a stray argument is a UsageError
 * (exit 2, with the usage), never ignored.
 */
export const parseCommandArgs = <const O extends ParseArgsOptionsConfig, const P extends boolean = false>(
  argv: readonly string[],
  options: O,
  allowPositionals?: P,
) => {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
      options,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
};

/** The one IMAGE a command takes. */
export const oneImage = (positionals: readonly string[]): string => {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'IMAGE is required' : 'give exactly one IMAGE');
  }
  return positionals[0]!;
};
