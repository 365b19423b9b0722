import { parseCommandArgs } from '../args';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { ALERT_TEST, type TestAlertReport, type TestChannelResult } from '../../shared/app/alerts';
import { printable } from '../../shared/core/findings/scanners';
import { EXIT, UsageError, type CliIo, type Command } from '../command';

/** Where `tollgate alerts test` finds the notifier when `--function` is not given: stack output NotifyFunctionName. */
export const NOTIFY_FUNCTION_ENV = 'TOLLGATE_NOTIFY_FUNCTION';

const USAGE = `Usage: tollgate alerts test [--channel NAME] [--function NAME] [--json]

Sends a clearly marked test alert ("Tollgate test alert — no action needed", detail test: true) through
each configured alert channel, or only --channel NAME, and prints what each receiver answered. This is
how a team checks its set-up on day one: the bot token, the channel, the routing key, the URL.

It invokes the deployed notify function (lambda:InvokeFunction with your AWS credentials), which sends
the test the way it sends real alerts:
  email                    published to the alert topic (SNS's acceptance is the answer; each
                           subscriber must have confirmed its subscription)
  slack chat.postMessage,  delivered by notify with the token from Secrets Manager; the answer is
  sysdig, pagerduty        judged as for real alerts (Slack's ok, PagerDuty's status). PagerDuty
                           gets a trigger and then a resolve, so no incident stays open
  json, slack incoming     EventBridge's API destination does not report what the receiver answered,
  webhooks                 so notify sends the same body with the header the connection sends, and
                           reports that answer

  --channel NAME     one channel: a webhook's name (alerts.webhooks), or email for the topic
  --function NAME    the notify function, stack output NotifyFunctionName (default: $${NOTIFY_FUNCTION_ENV})
  --json             print {"function","id","accepted","channels":[{"channel","accepted","answer",...}]}

For tollgate local, the same command reaches the local stack through AWS_ENDPOINT_URL_LAMBDA (the
stand-in's URL) and the local notify function's name.

Exit status: 0 every receiver accepted, 1 any refused (one line each on stderr), 2 error (the function
could not be invoked or failed, an unknown channel, a bad argument).`;

/** One synchronous invocation's answer: the function's result, or the error it threw. */
export interface InvokeAnswer {
  readonly payload: unknown;
  /** Set when the function threw (`X-Amz-Function-Error`); `payload` is then its error. */
  readonly functionError?: string;
}

export interface AlertsDeps {
  readonly invoke: (functionName: string, payload: unknown) => Promise<InvokeAnswer>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default a random UUID */
  readonly id?: () => string;
  /** @default `tollgate alerts test (<user>)` */
  readonly requestedBy?: () => string;
}

/**
 * Lambda Invoke (RequestResponse), by default with the SDK's default credentials and endpoint
 * (AWS_ENDPOINT_URL_LAMBDA, which is how the same command reaches tollgate local).
 */
export const lambdaInvoker = (config: LambdaClientConfig = {}): AlertsDeps['invoke'] => {
  let client: LambdaClient | undefined;
  return async (functionName, payload) => {
    client ??= new LambdaClient(config);
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    const text = answer.Payload === undefined ? '' : Buffer.from(answer.Payload).toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON: reported as it is.
    }
    return {
      payload: parsed,
      ...(answer.FunctionError === undefined ? {} : { functionError: answer.FunctionError }),
    };
  };
};

const defaultDeps = (): AlertsDeps => ({ invoke: lambdaInvoker(), env: process.env });

export const createAlertsCommand = (deps: () => AlertsDeps = defaultDeps): Command => ({
  name: 'alerts',
  summary: 'send a test alert through every channel and print what each receiver answered',
  usage: USAGE,
  run: (argv, io) => run(argv, io, deps()),
});

export const alertsCommand = createAlertsCommand();

interface AlertsOptions {
  readonly channel?: string;
  readonly functionName: string;
  readonly json: boolean;
}

const parseOptions = (argv: readonly string[], env: AlertsDeps['env']): AlertsOptions => {
  const parsed = parseCommandArgs(
    argv,
    {
      channel: { type: 'string' },
      function: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const { values, positionals } = parsed;
  if (positionals[0] !== 'test' || positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'say what to do: tollgate alerts test' : `unknown: ${positionals.join(' ')}`,
    );
  }
  if (values.channel?.trim() === '') throw new UsageError('--channel needs a name');
  const functionName = values.function ?? env[NOTIFY_FUNCTION_ENV]?.trim();
  if (functionName === undefined || functionName === '') {
    throw new UsageError(
      `--function NAME is required (or ${NOTIFY_FUNCTION_ENV}): the notify function, stack output NotifyFunctionName`,
    );
  }
  return {
    ...(values.channel === undefined ? {} : { channel: values.channel }),
    functionName,
    json: values.json,
  };
};

const run = async (argv: readonly string[], io: CliIo, deps: AlertsDeps): Promise<number> => {
  const options = parseOptions(argv, deps.env);
  const id = (deps.id ?? randomUUID)();
  const requestedBy = (deps.requestedBy ?? (() => `tollgate alerts test (${safeUser()})`))();
  // The envelope notify reads; never put on the bus (no rule matches it, and only Tollgate may put source tollgate).
  const event = {
    version: '0',
    id,
    'detail-type': ALERT_TEST,
    source: 'tollgate.cli',
    time: new Date().toISOString(),
    resources: [],
    detail: {
      test: true,
      ...(options.channel === undefined ? {} : { channel: options.channel }),
      requestedBy,
    },
  };
  let answer: InvokeAnswer;
  try {
    answer = await deps.invoke(options.functionName, event);
  } catch (error) {
    io.stderr(`tollgate alerts: could not invoke ${options.functionName}: ${printable(sdkLine(error))}\n`);
    return EXIT.ERROR;
  }
  if (answer.functionError !== undefined) {
    const { errorType, errorMessage } = (answer.payload ?? {}) as {
      errorType?: string;
      errorMessage?: string;
    };
    io.stderr(
      `tollgate alerts: ${options.functionName} failed (${printable(answer.functionError)}): ${printable(`${errorType ?? 'Error'}: ${errorMessage ?? JSON.stringify(answer.payload)}`)}\n`,
    );
    return EXIT.ERROR;
  }
  const report = answer.payload as TestAlertReport | null;
  if (report?.kind === 'unknown-channel') {
    throw new UsageError(
      `no channel ${printable(report.channel)}; the configured ones are: ${report.channels.map(printable).join(', ')}`,
    );
  }
  if (report === null || !isTested(report)) {
    io.stderr(
      `tollgate alerts: ${options.functionName} did not answer like the notify function: ${printable(JSON.stringify(answer.payload)).slice(0, 300)}\n`,
    );
    return EXIT.ERROR;
  }
  const accepted = report.results.every((result) => result.accepted);
  io.stdout(
    options.json
      ? `${JSON.stringify({ function: options.functionName, id: report.id, accepted, channels: report.results }, null, 2)}\n`
      : toText(options.functionName, report.id, report.results),
  );
  for (const result of report.results) {
    if (!result.accepted)
      io.stderr(`tollgate alerts: ${printable(result.channel)} refused: ${printable(result.answer)}\n`);
  }
  return accepted ? EXIT.OK : EXIT.NEGATIVE;
};

/** A report as notify's test returns it (the payload is only JSON: checked, not trusted). */
const isTested = (report: TestAlertReport): report is Extract<TestAlertReport, { kind: 'tested' }> =>
  report.kind === 'tested' && Array.isArray((report as { results?: unknown }).results);

const describe = (result: TestChannelResult): string => {
  if (result.kind === 'topic') return 'SNS topic';
  const via = result.via === 'probe' ? ' (API destination; probed by notify)' : '';
  return `${result.format}${via}`;
};

const toText = (functionName: string, id: string, results: readonly TestChannelResult[]): string => {
  const width = Math.max(8, ...results.map((result) => printable(result.channel).length));
  const lines = [`Test alert ${printable(id)} through ${printable(functionName)}:`];
  for (const result of results) {
    const resolve =
      result.kind === 'webhook' && result.resolve !== undefined
        ? `; resolve: ${printable(result.resolve.answer)}`
        : '';
    lines.push(
      `  ${result.accepted ? 'ACCEPTED' : 'REFUSED '}  ${printable(result.channel).padEnd(width)}  ${describe(result)}: ${printable(result.answer)}${resolve}`,
    );
  }
  if (results.length === 0) lines.push('  (no channel)');
  return `${lines.join('\n')}\n`;
};

const sdkLine = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' || error.message.startsWith(error.name)
    ? error.message
    : `${error.name}: ${error.message}`;
};

const safeUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
};
