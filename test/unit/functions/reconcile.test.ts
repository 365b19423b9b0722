import type { Context } from 'aws-lambda';
import type { ReconcileResult } from '../../../functions/reconcile/handler';
import { captureOutput, emittedMetrics, lambdaContext } from '../../doubles';

/**
 * The sweep's own input is a principal's to send (its schedule, `tollgate backfill`, anyone with lambda:InvokeFunction):
 * what it may ask is narrow, and anything else is malformed before a single AWS call is made.
 */
describe('reconcile handler input', () => {
  let handler: (event: unknown, context: Context) => Promise<ReconcileResult>;
  let output: ReturnType<typeof captureOutput>;

  beforeEach(async () => {
    output = captureOutput();
    ({ handler } = await import('../../../functions/reconcile/handler'));
  });
  afterEach(() => output.restore());

  it.each([
    ['an unknown key', { trigger: 'schedule', signEverything: true }],
    ['a repository that is not a glob', { trigger: 'backfill', repositories: ['Team/App'] }],
    ['an empty repository list', { trigger: 'backfill', repositories: [] }],
    [
      'a scope with an unknown key',
      { trigger: 'backfill', scope: { tagged: true, maxAgeDays: 1, pulledWithinDays: 1, all: true } },
    ],
    ['a negative age', { trigger: 'backfill', scope: { tagged: true, maxAgeDays: -1, pulledWithinDays: 1 } }],
    ['another trigger', { trigger: 'manual' }],
    ['not an object', 'sweep please'],
  ])('refuses %s as malformed, counted, with no AWS call', async (_, event) => {
    await expect(handler(event, lambdaContext('tollgate-reconcile'))).resolves.toEqual({ kind: 'malformed' });
    expect(emittedMetrics(output.lines())).toMatchObject({ MalformedEvents: 1 });
    // Nothing was built: no table, no bus, no ECR client was ever needed.
    expect(output.lines().some((line) => line.message === 'malformed reconcile request')).toBe(true);
  });
});
