import { createAlertsCommand, NOTIFY_FUNCTION_ENV, type AlertsDeps } from '../../../cli/commands/alerts';
import { COMMANDS } from '../../../cli/commands';
import { main } from '../../../cli/main';
import type { TestAlertReport } from '../../../shared/app/alerts';
import { runCommand } from './run-command';

const tested = (results: unknown[]): TestAlertReport =>
  ({ kind: 'tested', id: 'req-1', results }) as unknown as TestAlertReport;

const ACCEPTED = [
  { kind: 'topic', channel: 'email', accepted: true, answer: 'published to the alert topic' },
  {
    kind: 'webhook',
    channel: 'security-slack',
    format: 'slack',
    via: 'notify',
    status: 200,
    accepted: true,
    retryable: false,
    answer: 'HTTP 200 ok channel C0SECURITY ts 1.2',
  },
  {
    kind: 'webhook',
    channel: 'pager',
    format: 'pagerduty',
    via: 'notify',
    status: 202,
    accepted: true,
    retryable: false,
    answer: 'HTTP 202 success: Event processed',
    resolve: { answer: 'HTTP 202 success: Event processed' },
  },
  {
    kind: 'webhook',
    channel: 'ops',
    format: 'json',
    via: 'probe',
    status: 200,
    accepted: true,
    retryable: false,
    answer: 'HTTP 200 ok',
  },
];
const REFUSED = {
  kind: 'webhook',
  channel: 'slack-gone',
  format: 'slack',
  via: 'notify',
  status: 200,
  accepted: false,
  retryable: false,
  answer: 'HTTP 200 ok:false error channel_not_found',
};

/** A notify stand-in: records each invocation and answers with `answer`. */
const fake = (
  answer: AlertsDeps['invoke'],
  env: AlertsDeps['env'] = { [NOTIFY_FUNCTION_ENV]: 'tollgate-notify' },
) => {
  const invocations: { functionName: string; payload: Record<string, unknown> }[] = [];
  const deps: AlertsDeps = {
    env,
    id: () => 'req-1',
    requestedBy: () => 'tester',
    invoke: (functionName, payload) => {
      invocations.push({ functionName, payload: payload as Record<string, unknown> });
      return answer(functionName, payload);
    },
  };
  return { command: createAlertsCommand(() => deps), invocations };
};

describe('tollgate alerts test', () => {
  it('invokes notify with a marked test event and prints each receiver’s answer; 0 when all accepted', async () => {
    const { command, invocations } = fake(() => Promise.resolve({ payload: tested(ACCEPTED) }));
    const output = await runCommand(command, ['test']);
    expect(output.code).toBe(0);
    expect(invocations).toEqual([
      {
        functionName: 'tollgate-notify',
        payload: expect.objectContaining({
          id: 'req-1',
          'detail-type': 'Tollgate Alert Test',
          source: 'tollgate.cli',
          detail: { test: true, requestedBy: 'tester' },
        }) as unknown,
      },
    ]);
    expect(output.stdout.split('\n')).toEqual([
      'Test alert req-1 through tollgate-notify:',
      '  ACCEPTED  email           SNS topic: published to the alert topic',
      '  ACCEPTED  security-slack  slack: HTTP 200 ok channel C0SECURITY ts 1.2',
      '  ACCEPTED  pager           pagerduty: HTTP 202 success: Event processed; resolve: HTTP 202 success: Event processed',
      '  ACCEPTED  ops             json (API destination; probed by notify): HTTP 200 ok',
      '',
    ]);
    expect(output.stderr).toBe('');
  });

  it('exits 1 when any receiver refused, naming it on stderr; --json gives the same per channel', async () => {
    const { command } = fake(() => Promise.resolve({ payload: tested([...ACCEPTED, REFUSED]) }));
    const text = await runCommand(command, ['test']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      '  REFUSED   slack-gone      slack: HTTP 200 ok:false error channel_not_found',
    );
    expect(text.stderr).toBe(
      'tollgate alerts: slack-gone refused: HTTP 200 ok:false error channel_not_found\n',
    );
    const json = await runCommand(command, ['test', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      function: 'tollgate-notify',
      id: 'req-1',
      accepted: false,
      channels: [{ channel: 'email' }, {}, {}, {}, { channel: 'slack-gone', accepted: false, status: 200 }],
    });
  });

  it('--channel names one channel; --function overrides the environment', async () => {
    const { command, invocations } = fake(() => Promise.resolve({ payload: tested([ACCEPTED[1]]) }));
    const output = await runCommand(command, [
      'test',
      '--channel',
      'security-slack',
      '--function',
      'other-fn',
    ]);
    expect(output.code).toBe(0);
    expect(invocations[0]).toMatchObject({
      functionName: 'other-fn',
      payload: { detail: { test: true, channel: 'security-slack' } },
    });
  });

  it('an unknown channel is a usage error (2) listing the configured ones', async () => {
    const { command } = fake(() =>
      Promise.resolve({ payload: { kind: 'unknown-channel', channel: 'nope', channels: ['email', 'ops'] } }),
    );
    const output = await runCommand(command, ['test', '--channel', 'nope']);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('no channel nope; the configured ones are: email, ops');
  });

  it('exits 2 when notify cannot be invoked, or fails, or answers something else', async () => {
    const denied = fake(() =>
      Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })),
    );
    const a = await runCommand(denied.command, ['test']);
    expect(a).toMatchObject({ code: 2, stdout: '' });
    expect(a.stderr).toBe(
      'tollgate alerts: could not invoke tollgate-notify: AccessDeniedException: not authorized\n',
    );

    const failed = fake(() =>
      Promise.resolve({
        functionError: 'Unhandled',
        payload: { errorType: 'ConfigValidationError', errorMessage: 'bad config' },
      }),
    );
    const b = await runCommand(failed.command, ['test']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('tollgate-notify failed (Unhandled): ConfigValidationError: bad config');

    const other = fake(() => Promise.resolve({ payload: 'sent' }));
    const c = await runCommand(other.command, ['test']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('did not answer like the notify function');
  });

  it('prints a hostile receiver answer as escaped text, never as terminal control', async () => {
    const hostile = { ...REFUSED, answer: 'bad \u001b[2J\u0007 answer' };
    const { command } = fake(() => Promise.resolve({ payload: tested([hostile]) }));
    const output = await runCommand(command, ['test']);
    expect(output.stdout).not.toContain('\u001b');
    expect(output.stdout).toContain('\\u001b[2J');
  });

  it('refuses a missing function name, a missing or unknown verb, and unknown flags (2, with the usage)', async () => {
    const { command } = fake(() => Promise.resolve({ payload: tested([]) }), {});
    for (const argv of [['test'], [], ['send'], ['test', '--nope']]) {
      const output = await runCommand(command, argv);
      expect({
        argv,
        code: output.code,
        usage: output.stderr.includes('Usage: tollgate alerts test'),
      }).toEqual({
        argv,
        code: 2,
        usage: true,
      });
    }
    expect((await runCommand(command, ['test'])).stderr).toContain(
      `--function NAME is required (or ${NOTIFY_FUNCTION_ENV})`,
    );
  });

  it('is registered, and --help prints its usage', async () => {
    expect(COMMANDS.map((command) => command.name)).toContain('alerts');
    let stdout = '';
    const code = await main(['alerts', 'test', '--help'], {
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tollgate alerts test [--channel NAME] [--function NAME] [--json]');
  });
});
