import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedEvent } from '../../local/aws';
import { sampleImages } from '../../local/sample-images';
import { createAlertsCommand, lambdaInvoker } from '../../cli/commands/alerts';
import { IMAGE_VERDICT, TOLLGATE_ALERT } from '../../shared/core/events/tollgate-detail-types';
import { runCommand } from '../unit/cli/run-command';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(240_000);

/**
 * The receivers notify delivers to itself, on the local stack, against loopback receivers that answer as the
 * real services do, error answers included:
 * - Slack's Web API (`chat.postMessage`): HTTP 200 for everything, `{"ok":false,"error":"channel_not_found"}`
 *   for a channel it does not know, `invalid_auth` for a bad token. An API destination would count both as
 *   delivered; notify must not.
 * - Sysdig's events API (`/api/v2/events/`): 201 with the event, 401 for a bad token, 400 for a body it refuses.
 * - PagerDuty Events v2 (`/v2/enqueue`): 202 `{"status":"success"}`, 400 `{"status":"invalid event"}` for a bad
 *   routing key, 429 when the integration is rate limited.
 * A refused alert must be retried (Lambda's two retries), dead-lettered and counted (`AlertsFailed` in notify's
 * EMF log lines): never silently lost. An accepted one arrives exactly once.
 */

const SLACK_TOKEN = 'xoxb-1111-2222-good';
const SYSDIG_TOKEN = 'sysdig-api-token-good';
const ROUTING_KEY = 'R0123456789ABCDEF0123456789ABCDE'; // 32 characters, as PagerDuty requires
const SECRETS = {
  'tollgate/slack-bot': `Bearer ${SLACK_TOKEN}`,
  'tollgate/sysdig': SYSDIG_TOKEN,
  'tollgate/sysdig-revoked': 'sysdig-api-token-revoked',
  'tollgate/pagerduty': ROUTING_KEY,
  'tollgate/pagerduty-short': 'too-short',
};

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

const json = (status: number, body: unknown): { status: number; text: string } => ({
  status,
  text: JSON.stringify(body),
});

/** One loopback server standing in for Slack, Sysdig and PagerDuty, each under its own path prefix. */
const startReceivers = async (): Promise<{ server: Server; url: string; received: Received[] }> => {
  const received: Received[] = [];
  let pagerDutyCalls = 0;
  const answer = (path: string, headers: IncomingHttpHeaders, body: Record<string, unknown>) => {
    if (path === '/slack/api/chat.postMessage') {
      if (headers.authorization !== `Bearer ${SLACK_TOKEN}`)
        return json(200, { ok: false, error: 'invalid_auth' });
      if (body.channel !== 'C0SECURITY') return json(200, { ok: false, error: 'channel_not_found' });
      return json(200, {
        ok: true,
        channel: 'C0SECURITY',
        ts: '1764638000.000100',
        message: { text: body.text },
      });
    }
    if (path === '/sysdig/api/v2/events/' || path === '/sysdig-strict/api/v2/events/') {
      if (headers.authorization !== `Bearer ${SYSDIG_TOKEN}`) {
        return json(401, {
          timestamp: 1764638000000,
          status: 401,
          error: 'Unauthorized',
          message: 'Bad credentials',
        });
      }
      if (path === '/sysdig-strict/api/v2/events/') {
        return json(400, { errors: [{ reason: 'Invalid request', message: 'event.scope: unknown label' }] });
      }
      return json(201, { event: { id: 'e-1', ...(body.event as object) } });
    }
    if (path === '/pagerduty/v2/enqueue') {
      if (typeof body.routing_key !== 'string' || body.routing_key.length !== 32) {
        return json(400, {
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        });
      }
      pagerDutyCalls += 1;
      // The first good call meets the integration's rate limit, as a burst of alerts would.
      if (pagerDutyCalls === 1) {
        return json(429, {
          status: 'throttle event',
          message: 'Requests for this service are arriving too quickly',
        });
      }
      return json(202, { status: 'success', message: 'Event processed', dedup_key: body.dedup_key });
    }
    return json(404, { error: 'no such receiver' });
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const path = request.url ?? '';
      const { status, text } = answer(path, request.headers, body);
      received.push({ path, headers: request.headers, body, status });
      response.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
};

const verdictFor = (digest: string) => (recorded: RecordedEvent) =>
  recorded.bus === 'tollgate' &&
  recorded.event['detail-type'] === IMAGE_VERDICT &&
  (recorded.event.detail.image as { digest?: string } | undefined)?.digest === digest;

/** The EMF metrics notify logged (Powertools writes one JSON line per flush). */
const emfSum = (log: readonly string[], functionName: string, metric: string): number =>
  log
    .filter((line) => line.startsWith(`[${functionName}] `))
    .map((line) => {
      try {
        return JSON.parse(line.slice(functionName.length + 3)) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((entry) => entry._aws !== undefined)
    .reduce((sum, entry) => sum + (typeof entry[metric] === 'number' ? entry[metric] : 0), 0);

describe('alert receivers that answer in the body, on the local stack', () => {
  let harness: LocalStackHarness;
  let receivers: Awaited<ReturnType<typeof startReceivers>>;
  let notifyName: string;
  const [, critical] = sampleImages();
  let digest: string;

  const calls = (path: string, predicate: (received: Received) => boolean = () => true): Received[] =>
    receivers.received.filter((received) => received.path === path && predicate(received));
  const waitFor = async (what: string, done: () => boolean): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${harness.log.slice(-40).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await harness.idle();
  };

  beforeAll(async () => {
    receivers = await startReceivers();
    const url = receivers.url;
    harness = await startLocalStackHarness({
      secrets: SECRETS,
      config: {
        alerts: {
          webhooks: [
            {
              name: 'slack-security',
              url: `${url}/slack/api/chat.postMessage`,
              format: 'slack',
              channel: 'C0SECURITY',
              secretName: 'tollgate/slack-bot',
            },
            {
              name: 'slack-gone',
              url: `${url}/slack/api/chat.postMessage`,
              format: 'slack',
              channel: 'C0GONE',
              secretName: 'tollgate/slack-bot',
            },
            {
              name: 'sysdig',
              url: `${url}/sysdig/api/v2/events/`,
              format: 'sysdig',
              secretName: 'tollgate/sysdig',
            },
            {
              name: 'sysdig-revoked',
              url: `${url}/sysdig/api/v2/events/`,
              format: 'sysdig',
              secretName: 'tollgate/sysdig-revoked',
            },
            {
              name: 'sysdig-strict',
              url: `${url}/sysdig-strict/api/v2/events/`,
              format: 'sysdig',
              secretName: 'tollgate/sysdig',
            },
            {
              name: 'pagerduty',
              url: `${url}/pagerduty/v2/enqueue`,
              format: 'pagerduty',
              secretName: 'tollgate/pagerduty',
            },
            {
              name: 'pagerduty-short',
              url: `${url}/pagerduty/v2/enqueue`,
              format: 'pagerduty',
              secretName: 'tollgate/pagerduty-short',
            },
          ],
        },
      },
    });
    notifyName = harness.stack.deployment.functions.find(
      (fn) => fn.entry === 'functions/notify/handler.ts',
    )!.functionName;
    const pushed = await harness.pushImage(critical!.repository, {
      tag: critical!.tag,
      findings: critical!.findings,
    });
    digest = pushed.digest;
    await harness.awaitEvent(verdictFor(digest));
    // Four channels refuse: each is tried three times (the first attempt and Lambda's two retries).
    await waitFor(
      'the refused alerts to be dead-lettered',
      () => harness.stack.runtime.deadLetters.length >= 4,
    );
  });
  afterAll(async () => {
    await harness?.stop();
    receivers?.server.closeAllConnections();
    await new Promise((resolve) => receivers?.server.close(resolve));
  });

  it('Slack chat.postMessage: the accepting channel gets exactly one message, with its channel and bot token', () => {
    const accepted = calls('/slack/api/chat.postMessage', (r) => r.body.channel === 'C0SECURITY');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(accepted[0]!.body).toMatchObject({
      channel: 'C0SECURITY',
      unfurl_links: false,
      unfurl_media: false,
    });
    expect(JSON.stringify(accepted[0]!.body.blocks)).toContain(digest);
  });

  it('Slack refusing at HTTP 200 (ok:false channel_not_found): retried, dead-lettered and counted, never lost', () => {
    const refused = calls('/slack/api/chat.postMessage', (r) => r.body.channel === 'C0GONE');
    // Every attempt got HTTP 200, and none counted as delivered.
    expect(refused.map((r) => r.status)).toEqual([200, 200, 200]);
    const deadLetter = harness.stack.runtime.deadLetters.find(
      (letter) =>
        (letter.record.requestPayload as { detail?: { channel?: string } }).detail?.channel === 'slack-gone',
    );
    expect(deadLetter).toBeDefined();
    expect(deadLetter!.functionName).toBe(notifyName);
    expect(deadLetter!.destination).toBeDefined();
    expect(deadLetter!.record.requestContext.approximateInvokeCount).toBe(3);
    expect((deadLetter!.record.requestPayload as { 'detail-type': string })['detail-type']).toBe(
      TOLLGATE_ALERT,
    );
    expect(deadLetter!.record.responsePayload).toMatchObject({
      errorType: 'AlertDeliveryError',
      errorMessage: expect.stringContaining('ok:false error channel_not_found') as unknown,
    });
  });

  it('Sysdig: one event with severity, scope and tags; 401 and 400 answers are retried and dead-lettered', () => {
    const good = calls('/sysdig/api/v2/events/', (r) => r.headers.authorization === `Bearer ${SYSDIG_TOKEN}`);
    expect(good).toHaveLength(1);
    const event = good[0]!.body.event as Record<string, unknown>;
    expect(event).toMatchObject({
      severity: 2,
      tags: {
        source: 'tollgate',
        repository: critical!.repository,
        digest,
        verdict: 'REJECTED',
        policyDigest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) as unknown,
      },
    });
    expect(event.scope).toContain(`container.image.digest = "${digest}"`);
    expect(event.name).toContain('REJECTED');

    expect(calls('/sysdig/api/v2/events/', (r) => r.status === 401)).toHaveLength(3);
    expect(calls('/sysdig-strict/api/v2/events/').map((r) => r.status)).toEqual([400, 400, 400]);
    const channels = harness.stack.runtime.deadLetters.map(
      (letter) => (letter.record.requestPayload as { detail: { channel: string } }).detail.channel,
    );
    expect(channels.sort()).toEqual(['pagerduty-short', 'slack-gone', 'sysdig-revoked', 'sysdig-strict']);
    const revoked = harness.stack.runtime.deadLetters.find((letter) =>
      letter.record.responsePayload.errorMessage.includes('sysdig-revoked'),
    );
    expect(revoked!.record.responsePayload.errorMessage).toContain('HTTP 401 Bad credentials');
  });

  it('PagerDuty: a 429 is retried and the trigger then delivered once; a 400 invalid event is dead-lettered', () => {
    const good = calls('/pagerduty/v2/enqueue', (r) => r.body.routing_key === ROUTING_KEY);
    expect(good.map((r) => r.status)).toEqual([429, 202]);
    expect(good[1]!.body).toMatchObject({
      event_action: 'trigger',
      dedup_key: `${critical!.repository}@${digest}`,
      payload: { severity: 'critical', component: critical!.repository, class: 'REJECTED' },
    });
    expect(
      calls('/pagerduty/v2/enqueue', (r) => r.body.routing_key === 'too-short').map((r) => r.status),
    ).toEqual([400, 400, 400]);
    const short = harness.stack.runtime.deadLetters.find((letter) =>
      letter.record.responsePayload.errorMessage.includes('pagerduty-short'),
    );
    expect(short!.record.responsePayload.errorMessage).toContain('invalid event');
  });

  it('counts every refused attempt as AlertsFailed in notify’s EMF lines, and only the accepted ones as delivered', () => {
    // 4 channels × 3 attempts, plus PagerDuty's one 429.
    expect(emfSum(harness.log, notifyName, 'AlertsFailed')).toBe(13);
    expect(emfSum(harness.log, notifyName, 'AlertsDelivered')).toBe(3);
  });

  it('an APPROVED verdict for the same image resolves its PagerDuty alert, with the same dedup_key, and alerts nobody', async () => {
    const published = harness.stack.standIn.sns.published().length;
    const slackBefore = calls('/slack/api/chat.postMessage').length;
    await harness.putEvent({
      bus: 'tollgate',
      source: 'tollgate',
      detailType: IMAGE_VERDICT,
      detail: {
        schemaVersion: '1.0',
        verdict: 'APPROVED',
        mode: 'enforce',
        image: {
          registry: harness.registryHost,
          repository: critical!.repository,
          digest,
          tags: [critical!.tag],
        },
        reasons: ['an exception now covers the finding'],
        warnings: [],
      },
    });
    await waitFor(
      'the resolve',
      () =>
        calls('/pagerduty/v2/enqueue', (r) => r.body.event_action === 'resolve' && r.status === 202).length >
        0,
    );
    const resolves = calls('/pagerduty/v2/enqueue', (r) => r.body.event_action === 'resolve');
    expect(resolves.filter((r) => r.body.routing_key === ROUTING_KEY)).toEqual([
      expect.objectContaining({
        status: 202,
        body: {
          routing_key: ROUTING_KEY,
          event_action: 'resolve',
          dedup_key: `${critical!.repository}@${digest}`,
        },
      }),
    ]);
    expect(harness.stack.standIn.sns.published()).toHaveLength(published);
    expect(calls('/slack/api/chat.postMessage')).toHaveLength(slackBefore);
    // The channel with the bad routing key refuses the resolve too: it waits in the DLQ like any alert.
    await waitFor('the refused resolve', () => harness.stack.runtime.deadLetters.length === 5);
    expect(
      (harness.stack.runtime.deadLetters[4]!.record.requestPayload as { detail: Record<string, unknown> })
        .detail,
    ).toMatchObject({ channel: 'pagerduty-short', status: 'APPROVED' });
  });

  it('tollgate alerts test: one marked test alert per channel, and what each receiver answered', async () => {
    const before = receivers.received.length;
    const deadLettersBefore = harness.stack.runtime.deadLetters.length;
    // Through the stand-in's Lambda Invoke, with the production SDK client, as against AWS.
    const command = createAlertsCommand(() => ({
      env: {},
      id: () => 'test-1',
      requestedBy: () => 'e2e',
      invoke: lambdaInvoker({
        endpoint: harness.stack.standIn.url,
        region: harness.stack.environment.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    }));
    const output = await runCommand(command, ['test', '--function', notifyName, '--json']);
    expect(output.code).toBe(1);
    const report = JSON.parse(output.stdout) as {
      channels: { channel: string; accepted: boolean; answer: string }[];
    };
    const byChannel = Object.fromEntries(report.channels.map((c) => [c.channel, c]));
    expect(Object.keys(byChannel).sort()).toEqual([
      'email',
      'pagerduty',
      'pagerduty-short',
      'slack-gone',
      'slack-security',
      'sysdig',
      'sysdig-revoked',
      'sysdig-strict',
    ]);
    expect(byChannel.email!.accepted).toBe(true);
    expect(byChannel['slack-security']).toMatchObject({
      accepted: true,
      answer: expect.stringContaining('HTTP 200 ok') as unknown,
    });
    expect(byChannel['slack-gone']).toMatchObject({
      accepted: false,
      answer: 'HTTP 200 ok:false error channel_not_found',
    });
    expect(byChannel.sysdig!.accepted).toBe(true);
    expect(byChannel['sysdig-revoked']!.answer).toContain('HTTP 401');
    expect(byChannel.pagerduty!.accepted).toBe(true);
    expect(byChannel['pagerduty-short']!.answer).toContain('HTTP 400 invalid event');
    expect(output.stderr).toContain('slack-gone refused: HTTP 200 ok:false error channel_not_found');

    const sent = receivers.received.slice(before);
    const slack = sent.find((r) => r.body.channel === 'C0SECURITY')!;
    expect(JSON.stringify(slack.body)).toContain('Tollgate test alert — no action needed');
    const trigger = sent.find(
      (r) => r.body.routing_key === ROUTING_KEY && r.body.event_action === 'trigger',
    )!;
    expect(trigger.body).toMatchObject({ payload: { severity: 'info' } });
    // The test's PagerDuty alert is resolved at once, under its own dedup key.
    expect(
      sent.find((r) => r.body.routing_key === ROUTING_KEY && r.body.event_action === 'resolve')!.body
        .dedup_key,
    ).toBe(trigger.body.dedup_key);
    // A test is neither retried nor dead-lettered.
    expect(harness.stack.runtime.deadLetters).toHaveLength(deadLettersBefore);
  });
});
