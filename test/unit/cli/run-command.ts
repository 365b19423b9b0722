import { EXIT, UsageError, type CliIo, type Command } from '../../../cli/command';

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command with injected adapters, turning thrown errors into exit 2 as cli/main.ts does. */
export const runCommand = async (command: Command, argv: readonly string[]): Promise<CommandOutput> => {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  let code: number;
  try {
    code = await command.run(argv, io);
  } catch (error) {
    stderr += `tollgate ${command.name}: ${(error as Error).message}\n`;
    if (error instanceof UsageError) stderr += `\n${command.usage}\n`;
    code = EXIT.ERROR;
  }
  return { code, stdout, stderr };
};
