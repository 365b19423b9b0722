import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalLambdaRuntime, type LambdaActivity } from '../../../local/lambda';
import type { LocalFunction } from '../../../local/template';

jest.setTimeout(60_000);

const PROJECT_ROOT = resolve(__dirname, '../../..');

const fn = (name: string, overrides: Partial<LocalFunction> = {}): LocalFunction => ({
  logicalId: name,
  functionName: name,
  arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  entry: 'test/fixtures/handlers/misbehaving.ts',
  handlerExport: 'handler',
  bundledFiles: {},
  environment: {},
  timeoutSeconds: 10,
  memorySize: 128,
  maximumRetryAttempts: 0,
  ...overrides,
});

describe('LocalLambdaRuntime', () => {
  let dir: string;
  let runtime: LocalLambdaRuntime;
  let activity: LambdaActivity[];
  const start = (functions: readonly LocalFunction[]): LocalLambdaRuntime => {
    activity = [];
    runtime = new LocalLambdaRuntime(functions, {
      projectRoot: PROJECT_ROOT,
      taskRootDir: join(dir, 'lambda'),
      environment: { AWS_REGION: 'eu-west-1' },
      retryDelayMs: () => 5,
      onActivity: (entry) => activity.push(entry),
    });
    return runtime;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-lambda-'));
  });
  afterEach(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a container warm, and gives each function its own environment and module state', async () => {
    start([fn('a', { environment: { SECRET: 'a-secret' } }), fn('b')]);
    expect(await runtime.invoke('a', {})).toEqual({
      ok: true,
      result: { invocations: 1, secret: 'a-secret' },
    });
    expect(await runtime.invoke('a', {})).toEqual({
      ok: true,
      result: { invocations: 2, secret: 'a-secret' },
    });
    // b imports the same module, in its own container: its own count, and no access to a's variables.
    expect(await runtime.invoke(`arn:aws:lambda:us-east-1:000000000000:function:b`, {})).toEqual({
      ok: true,
      result: { invocations: 1 },
    });
  });

  it('serializes the invocations of one container', async () => {
    start([fn('a', { reservedConcurrentExecutions: 1 })]);
    const results = await Promise.all([runtime.invoke('a', { sleepMs: 200 }), runtime.invoke('a', {})]);
    expect(results).toEqual([
      { ok: true, result: { invocations: 1 } },
      { ok: true, result: { invocations: 2 } },
    ]);
  });

  it('runs concurrent invocations in containers of their own, up to the reserved concurrency', async () => {
    start([fn('a', { reservedConcurrentExecutions: 2 })]);
    const results = await Promise.all([
      runtime.invoke('a', { sleepMs: 500 }),
      runtime.invoke('a', {}),
      runtime.invoke('a', {}),
    ]);
    // The second did not wait behind the first: a second container, whose module state starts over. The third
    // found both busy and the limit reached, so it ran in whichever was free first, warm.
    expect(results).toEqual([
      { ok: true, result: { invocations: 1 } },
      { ok: true, result: { invocations: 1 } },
      { ok: true, result: { invocations: 2 } },
    ]);
  });

  it('times an invocation out as Lambda does, and starts the next one in a fresh container', async () => {
    start([fn('slow', { timeoutSeconds: 1 })]);
    expect(await runtime.invoke('slow', { sleepMs: 5000 })).toEqual({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds', trace: [] },
    });
    expect(await runtime.invoke('slow', {})).toEqual({ ok: true, result: { invocations: 1 } });
  });

  it('reports a runtime that exits, and recovers', async () => {
    start([fn('exits')]);
    expect(await runtime.invoke('exits', { exit: 3 })).toEqual({
      ok: false,
      error: expect.objectContaining({ errorType: 'Runtime.ExitError' }) as unknown,
    });
    expect(await runtime.invoke('exits', {})).toEqual({ ok: true, result: { invocations: 1 } });
  });

  it('reports an exception thrown outside the handler promise', async () => {
    start([fn('uncaught')]);
    expect(await runtime.invoke('uncaught', { uncaught: true })).toEqual({
      ok: false,
      error: expect.objectContaining({
        errorMessage: expect.stringContaining('thrown outside the handler') as unknown,
      }) as unknown,
    });
  });

  it('reports an init failure on every attempt, then dead-letters the asynchronous event', async () => {
    start([
      fn('broken', {
        environment: { MISBEHAVE_AT_INIT: 'throw' },
        maximumRetryAttempts: 2,
        onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq',
      }),
    ]);
    const outcome = await runtime.invokeAsync('broken', { id: 'e-1' });
    expect(outcome).toMatchObject({ kind: 'dead-lettered', attempts: 3 });
    expect(activity.filter((entry) => entry.kind === 'failure')).toHaveLength(3);
    expect(runtime.deadLetters).toEqual([
      expect.objectContaining({
        destination: 'arn:aws:sqs:us-east-1:000000000000:dlq',
        record: expect.objectContaining({
          requestPayload: { id: 'e-1' },
          responsePayload: expect.objectContaining({ errorMessage: 'init failed on purpose' }) as unknown,
        }) as unknown,
      }),
    ]);
  });

  it('does not run a function without a handler entry', () => {
    const { entry: _none, ...withoutEntry } = fn('ghost');
    start([withoutEntry]);
    expect(runtime.find('ghost')).toBeUndefined();
    expect(() => runtime.invokeAsync('ghost', {})).toThrow(/no local function ghost/);
  });
});
