import { EXIT, UsageError, processIo, type CliIo, type Command } from './command';
import { COMMANDS } from './commands';

const help = (): string =>
  [
    'tollgate: is this image safe to deploy?',
    '',
    'Usage: tollgate <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`),
    '',
    'Run `tollgate <command> --help` for the options of one command.',
    '',
  ].join('\n');

export const main = async (argv: readonly string[], io: CliIo = processIo): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name === undefined ? EXIT.ERROR : EXIT.OK;
  }
  const command: Command | undefined = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr(`tollgate: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return EXIT.ERROR;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return EXIT.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`tollgate ${command.name}: ${error.message}\n\n${command.usage}\n`);
      return EXIT.ERROR;
    }
    io.stderr(`tollgate ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.ERROR;
  }
};
