import { IMAGE_VERDICT, TOLLGATE_SOURCE } from '../../shared/core/events';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(120_000);

/**
 * On push, end to end on the local stack: the synthesized Tollgate template, its rules and the
 * production handlers, against a real OCI registry, DynamoDB on dynalite and the AWS stand-in.
 * Scans take 10 minutes and report no event, so an image stays PENDING_SCAN until its schedule fires.
 */
let h: LocalStackHarness;

beforeAll(async () => {
  h = await startLocalStackHarness({
    config: { repositories: ['e2e/*'], scanTimeoutMinutes: 5 },
    scanEvents: false,
    scanDelayMs: 10 * 60_000,
  });
});

afterAll(async () => {
  await h?.stop();
});

describe('on-push on the local stack', () => {
  let digest: string;

  it('a push reaches PENDING_SCAN, with its scan-timeout schedule', async () => {
    const pushed = await h.pushImage('e2e/app', { tag: '1.0.0' });
    digest = pushed.digest;
    const record = await h.awaitRecord('e2e/app', digest, (r) => r.status === 'PENDING_SCAN');
    expect(record).toMatchObject({ status: 'PENDING_SCAN', tags: ['1.0.0'] });
    await waitFor(() =>
      h.stack.standIn.schedules().some((schedule) => schedule.group === 'tollgate-scan-timeouts'),
    );
    const [schedule] = h.stack.standIn.schedules();
    expect(schedule?.expression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/);
  });

  it('a signature-tag push is ignored: on-push skips it without an AWS call, no record, no schedule', async () => {
    const hex = digest.slice('sha256:'.length);
    const callsBefore = h.stack.standIn.calls();
    const signature = await h.pushImage('e2e/app', { tag: `sha256-${hex}.sig` });
    await waitFor(
      () => h.log.filter((line) => /OnPush\S* done in \d+ ms → "attachment"/.test(line)).length === 1,
    );
    expect(h.stack.standIn.calls()).toEqual(callsBefore);
    expect(await h.stack.verdicts.read('e2e/app', signature.digest)).toBeUndefined();
    expect(h.stack.standIn.schedules()).toHaveLength(1);
  });

  it('a missing scan event ends in SCAN_TIMEOUT through the schedule', async () => {
    const fired = await h.stack.standIn.fireDueSchedules(new Date(Date.now() + 6 * 60_000));
    expect(fired).toHaveLength(1);
    const record = await h.awaitRecord('e2e/app', digest);
    expect(record).toMatchObject({ status: 'DECIDED', outcome: 'ERROR', signatures: [] });
    expect(record.reasons.join(' ')).toMatch(/SCAN_TIMEOUT/);
    const verdict = await h.awaitEvent(
      ({ event }) => event.source === TOLLGATE_SOURCE && event['detail-type'] === IMAGE_VERDICT,
    );
    expect(verdict.event.detail).toMatchObject({ verdict: 'ERROR', error: { code: 'SCAN_TIMEOUT' } });
  });
});

const waitFor = async (condition: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms\n${h.log.slice(-40).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
