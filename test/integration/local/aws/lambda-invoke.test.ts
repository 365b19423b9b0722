import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { startAwsStandIn, type AwsStandIn, type InvokeListener } from '../../../../local/aws';

jest.setTimeout(30_000);

/** The stand-in's Lambda Invoke, through the real SDK client, as `tollgate backfill` calls it. */
describe('the AWS stand-in: Lambda Invoke', () => {
  let stateDir: string;
  let standIn: AwsStandIn;
  let lambda: LambdaClient;
  const calls: { name: string; payload: unknown; type: string }[] = [];
  const onInvoke: InvokeListener = (name, payload, type) => {
    calls.push({ name, payload, type });
    if (name === 'sweep')
      return Promise.resolve({ kind: 'result', payload: { complete: true, seen: payload } });
    if (name === 'broken') {
      return Promise.resolve({ kind: 'function-error', errorType: 'TypeError', errorMessage: 'boom' });
    }
    if (name === 'async') return Promise.resolve({ kind: 'accepted' });
    return Promise.resolve({ kind: 'not-found' });
  };

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'tollgate-lambda-'));
    standIn = await startAwsStandIn({
      stateDir,
      registry: { url: 'http://127.0.0.1:9' },
      onInvoke,
      log: () => {},
    });
    lambda = new LambdaClient({
      endpoint: standIn.endpointEnv().AWS_ENDPOINT_URL_LAMBDA!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
  });

  afterAll(async () => {
    lambda.destroy();
    await standIn.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const text = (payload: Uint8Array | undefined): unknown =>
    JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

  it('runs the function and answers its result', async () => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'sweep',
        Payload: Buffer.from(JSON.stringify({ trigger: 'backfill' })),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(text(out.Payload)).toEqual({ complete: true, seen: { trigger: 'backfill' } });
    expect(calls.at(-1)).toEqual({
      name: 'sweep',
      payload: { trigger: 'backfill' },
      type: 'RequestResponse',
    });
  });

  it('reports a function that threw as Lambda does: 200 with FunctionError and the error', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'broken', Payload: Buffer.from('{}') }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(text(out.Payload)).toEqual({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  it('accepts an Event invocation, and refuses an unknown function', async () => {
    const accepted = await lambda.send(new InvokeCommand({ FunctionName: 'async', InvocationType: 'Event' }));
    expect(accepted.StatusCode).toBe(202);
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});
