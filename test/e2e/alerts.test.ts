import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedEvent } from '../../local/aws';
import type { ApiDeliveryOutcome } from '../../local/api-destination';
import { sampleImages } from '../../local/sample-images';
import { ANONYMOUS_WEBHOOK_HEADER } from '../../infra/constructs/alerts';
import { IMAGE_VERDICT, TOLLGATE_ALERT } from '../../shared/core/events/tollgate-detail-types';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(180_000);

/** A request the webhook receiver got. */
interface Received {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** Stands in for Slack and a generic webhook (Sysdig, PagerDuty): records every request, answers 200. */
const startReceiver = async (): Promise<{ server: Server; url: string; received: Received[] }> => {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({
        path: request.url ?? '',
        method: request.method ?? '',
        headers: request.headers,
        body: JSON.parse(text) as unknown,
      });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
};

const verdictFor = (digest: string) => (recorded: RecordedEvent) =>
  recorded.bus === 'tollgate' &&
  recorded.event['detail-type'] === IMAGE_VERDICT &&
  (recorded.event.detail.image as { digest?: string } | undefined)?.digest === digest;

/**
 * Alerts end to end on the local stack: the synthesized template's alert rules, notify, the stand-in's SNS,
 * and the EventBridge API destinations of `alerts.webhooks`, called over HTTP like EventBridge calls them.
 */
describe('alerts on the local stack', () => {
  let harness: LocalStackHarness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const [clean, critical] = sampleImages();

  beforeAll(async () => {
    receiver = await startReceiver();
    harness = await startLocalStackHarness({
      config: {
        alerts: {
          webhooks: [
            { name: 'ops', url: `${receiver.url}/ops`, format: 'json' },
            { name: 'chat', url: `${receiver.url}/chat`, format: 'slack' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  /** What every API destination call of this run came to (each settles after its retries). */
  const apiOutcomes = (): Promise<ApiDeliveryOutcome[]> =>
    Promise.all(
      harness.stack.routed.flatMap((routed) =>
        routed.targets.flatMap((target) => (target.outcome === undefined ? [] : [target.outcome])),
      ),
    );

  it('a vulnerable image: one REJECTED verdict, one SNS message and one alert per webhook', async () => {
    const pushed = await harness.pushImage(critical!.repository, {
      tag: critical!.tag,
      findings: critical!.findings,
    });

    await harness.awaitEvent(verdictFor(pushed.digest));
    // Both webhooks' alerts arrive (or the wait times out); then nothing more is in flight.
    const deadline = Date.now() + 30_000;
    while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await harness.idle();
    await apiOutcomes();

    const verdicts = harness.stack.standIn.events().filter(verdictFor(pushed.digest));
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.event.detail).toMatchObject({
      verdict: 'REJECTED',
      image: { repository: critical!.repository, digest: pushed.digest },
    });

    // The people's message, as notify published it through the real SNS client.
    const messages = harness.stack.standIn.sns.published();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.topicArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:tollgate-alerts$/);
    expect(messages[0]!.subject).toContain('REJECTED');
    expect(messages[0]!.subject).toContain(critical!.repository);
    expect(messages[0]!.attributes.status).toEqual({ dataType: 'String', stringValue: 'REJECTED' });
    const perProtocol = JSON.parse(messages[0]!.message) as Record<string, string>;
    expect(perProtocol.email).toContain(pushed.digest);
    expect(perProtocol.email).toContain('CVE-2024-3094');

    // One formatted `Tollgate Alert` per webhook on the bus, each delivered to its endpoint once.
    const alertEvents = harness.stack.standIn
      .events()
      .filter((r) => r.event['detail-type'] === TOLLGATE_ALERT);
    expect(alertEvents.map((r) => r.event.detail.channel).sort()).toEqual(['chat', 'ops']);
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/chat', '/ops']);

    const ops = receiver.received.find((r) => r.path === '/ops')!;
    expect(ops.method).toBe('POST');
    expect(ops.headers['content-type']).toBe('application/json; charset=utf-8');
    // The connection's authorization: the anonymous header, as no secretName is configured.
    expect(ops.headers[ANONYMOUS_WEBHOOK_HEADER.name.toLowerCase()]).toBe(ANONYMOUS_WEBHOOK_HEADER.value);
    // The body is `detail.body` (the target's InputPath), not the event envelope.
    expect(ops.body).toMatchObject({
      source: 'tollgate',
      kind: 'verdict',
      status: 'REJECTED',
      repository: critical!.repository,
      digest: pushed.digest,
      findings: [expect.objectContaining({ id: 'CVE-2024-3094', severity: 'CRITICAL' })],
    });

    const chat = receiver.received.find((r) => r.path === '/chat')!;
    const slackText = JSON.stringify(chat.body);
    expect(chat.body).toHaveProperty('blocks');
    expect(slackText).toContain('REJECTED');
    expect(slackText).toContain(critical!.repository);
    expect(slackText).toContain(pushed.digest);

    // Nothing failed on the way: no function and no API destination dead-lettered.
    expect(harness.stack.runtime.deadLetters).toEqual([]);
    expect((await apiOutcomes()).filter((outcome) => outcome.kind !== 'delivered')).toEqual([]);
  });

  it('a clean image: one APPROVED verdict and no alert', async () => {
    const sentBefore = receiver.received.length;
    const publishedBefore = harness.stack.standIn.sns.published().length;
    const pushed = await harness.pushImage(clean!.repository, { tag: clean!.tag });

    await harness.awaitEvent(verdictFor(pushed.digest));
    // Signing runs after the verdict record; wait for the approved verdict's full pipeline to settle.
    await harness.awaitRecord(clean!.repository, pushed.digest, (record) => record.signatures.length > 0);
    await harness.idle();
    await apiOutcomes();

    const verdicts = harness.stack.standIn.events().filter(verdictFor(pushed.digest));
    expect(verdicts.map((r) => r.event.detail.verdict)).toEqual(['APPROVED']);
    expect(harness.stack.standIn.sns.published()).toHaveLength(publishedBefore);
    expect(receiver.received).toHaveLength(sentBefore);
    expect(harness.stack.runtime.deadLetters).toEqual([]);
  });
});
