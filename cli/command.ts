/** One CLI sub-command. `run` returns the exit code: 0 success, 1 a negative answer, 2 an error. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

/** Output goes through here so tests can capture it: results on stdout, progress and errors on stderr. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const EXIT = { OK: 0, NEGATIVE: 1, ERROR: 2 } as const;

/** A bad flag or argument: the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
