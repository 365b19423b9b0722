import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultGateDeps, pinnedKeySource } from '../../shared/adapters/gate';
import { validateConfig } from '../../shared/core/config';
import type { BoardSettings } from '../../shared/core/board/view';
import type { VerdictStore } from '../../shared/app/ports/verdict-store';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError, type CliIo, type Command } from '../command';
import { LOOPBACK, NotLoopbackError, startBoardServer, type RunningBoard } from './board-server';
import { createStatusCommand, dynamoVerdicts, type StatusDeps } from './status';
import {
  loadSettings,
  SettingsFileError,
  STACK_ENV,
  verdictTableName,
  type Environment,
} from './stack-options';
import { DEFAULT_KEY } from './verify';

const USAGE = `Usage: tollgate board [--port 8080] [--open] [--table NAME]
                     [--key awskms:///ALIAS-OR-ARN [--key-id KEY-ID] | --key FILE.pem] [--config FILE]

The verdict board: a read-only web page over the verdict table, on http://${LOOPBACK}:PORT/ only. The list shows
the images by repository with their verdict, tags, age, blocking findings, exceptions applied, the signatures the
record names per format and the attested scan's age, a page of at most 200 at a time; filters by verdict,
repository glob, exceptions expiring within N days, and what the record alone shows amiss. Each image has a page
of its own with what tollgate status says of it: the record beside what the registry holds.

  --port PORT     the port on ${LOOPBACK} (default: 8080; 0 picks a free one)
  --host ${LOOPBACK}  the only address it binds to; any other is refused (it has no login of its own)
  --open          open the page in the desktop's browser
  --table NAME    the verdict table, stack output VerdictTableName (default: $${STACK_ENV.table}); read with
                  your AWS credentials (dynamodb:Scan, dynamodb:GetItem)
  --key, --key-id our signing key, as tollgate status takes it, for the image pages (default: ${DEFAULT_KEY})
  --config FILE   the deployed configuration: its signature formats and scan timeout (default: Tollgate's)

AWS endpoints: AWS_ENDPOINT_URL_DYNAMODB (and _KMS) are honoured, so the same command reads tollgate local
(docs/board.md). Runs until Ctrl-C. Exit status: 0 stopped, 2 error (bad argument, port taken).`;

export interface BoardDeps {
  /** The adapters `tollgate status` runs with on each image page. */
  readonly status: Partial<StatusDeps>;
  readonly scanClient: () => Pick<DynamoDBDocumentClient, 'send'>;
  readonly verdicts: (table: string) => Pick<VerdictStore, 'get'>;
  readonly env: () => Environment;
  readonly now: () => Date;
  /** Opens a URL in the desktop's browser (`--open`). */
  readonly open: (url: string) => void;
  /** Resolves when the board should stop: Ctrl-C or SIGTERM. */
  readonly untilStopped: () => Promise<void>;
}

const openInBrowser = (url: string): void => {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
};

const untilSignal = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

export const defaultBoardDeps: BoardDeps = {
  status: {},
  scanClient: () => DynamoDBDocumentClient.from(new DynamoDBClient({})),
  verdicts: (table) => dynamoVerdicts(table, undefined),
  env: () => process.env,
  now: () => new Date(),
  open: openInBrowser,
  untilStopped: untilSignal,
};

export const createBoardCommand = (deps: Partial<BoardDeps> = {}): Command => ({
  name: 'board',
  summary: 'a read-only web page over the verdict table, on 127.0.0.1',
  usage: USAGE,
  run: (argv, io) => run(argv, io, { ...defaultBoardDeps, ...deps }),
});

export const boardCommand = createBoardCommand();

export interface BoardOptions {
  readonly port: number;
  readonly host: string;
  readonly open: boolean;
  readonly table: string;
  readonly key: string;
  readonly keyId?: string;
  readonly config?: string;
}

const run = async (argv: readonly string[], io: CliIo, deps: BoardDeps): Promise<number> => {
  const options = parseOptions(argv, deps.env());
  let board: RunningBoard;
  try {
    board = await startBoard(options, deps);
  } catch (error) {
    if (!(error instanceof SettingsFileError || error instanceof NotLoopbackError || isListenError(error))) {
      throw error;
    }
    io.stderr(`tollgate board: ${(error as Error).message}\n`);
    return EXIT.ERROR;
  }
  io.stdout(`tollgate board: ${board.url} (read only, table ${options.table}); Ctrl-C stops\n`);
  if (options.open) deps.open(board.url);
  await deps.untilStopped();
  await board.close();
  return EXIT.OK;
};

const isListenError = (error: unknown): boolean =>
  error instanceof Error && ['EADDRINUSE', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '');

/**
 * The board's server for these options: what the command runs, and what the browser tests start.
 * @throws NotLoopbackError, SettingsFileError, the listen error
 */
export const startBoard = async (options: BoardOptions, deps: BoardDeps): Promise<RunningBoard> => {
  const settings = boardSettings(options.config);
  const status = createStatusCommand(deps.status);
  const store = deps.verdicts(options.table);
  const statusArgs = [
    '--table',
    options.table,
    '--key',
    options.key,
    ...(options.keyId === undefined ? [] : ['--key-id', options.keyId]),
    ...(options.config === undefined ? [] : ['--config', options.config]),
  ];
  return startBoardServer({
    table: options.table,
    host: options.host,
    port: options.port,
    settings,
    scanClient: deps.scanClient(),
    readRecord: (key) => store.get(key as Parameters<VerdictStore['get']>[0]),
    status: (image) => runStatus(status, [image, ...statusArgs]),
    now: deps.now,
  });
};

/** `tollgate status` itself, its output kept: the image page says exactly what the command says. */
const runStatus = async (
  status: Command,
  argv: readonly string[],
): Promise<{ code: number; text: string }> => {
  let text = '';
  const io: CliIo = { stdout: (chunk) => (text += chunk), stderr: (chunk) => (text += chunk) };
  try {
    return { code: await status.run(argv, io), text };
  } catch (error) {
    return { code: EXIT.ERROR, text: `${text}tollgate status: ${(error as Error).message}\n` };
  }
};

const boardSettings = (configFile: string | undefined): BoardSettings => {
  const config =
    configFile === undefined ? validateConfig({ repositories: ['*'] }) : loadSettings(configFile).config;
  return { formats: config.signatures.formats, scanTimeoutMinutes: config.scanTimeoutMinutes };
};

const parseOptions = (argv: readonly string[], env: Environment): BoardOptions => {
  const { values } = parseCommandArgs(argv, {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: LOOPBACK },
    open: { type: 'boolean', default: false },
    table: { type: 'string' },
    key: { type: 'string' },
    'key-id': { type: 'string' },
    config: { type: 'string' },
  });
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65_535) {
    throw new UsageError(`--port must be a port number, 0 to 65535, not ${values.port}`);
  }
  if (values.host !== LOOPBACK) {
    throw new UsageError(
      `--host: the board binds to ${LOOPBACK} only, not ${values.host}; it has no login of its own (reach it from elsewhere through an SSH tunnel)`,
    );
  }
  const table = verdictTableName(values.table, env);
  const key = values.key ?? DEFAULT_KEY;
  try {
    // As tollgate status would at each page: an alias without --key-id is refused now, not on every page.
    pinnedKeySource(key, values['key-id'], defaultGateDeps().publicKey);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    port: Number(values.port),
    host: values.host,
    open: values.open,
    table,
    key,
    ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }),
    ...(values.config === undefined ? {} : { config: values.config }),
  };
};
