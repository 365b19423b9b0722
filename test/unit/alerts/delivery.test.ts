import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AlertDeliveryError,
  alertEvents,
  deliverAlertEvent,
  dispatchAlert,
  judgeAnswer,
  sendTestAlert,
  verdictAlert,
  webhookDelivery,
  type AlertWebhook,
  type DispatchDeps,
  type ReceiverResponse,
} from '../../../shared/app/alerts';
import { HttpWebhookTransport, SecretsManagerSource } from '../../../shared/adapters/alerts';
import { RecordingPublisher, RecordingTopic, RecordingTransport, staticSecrets } from '../../doubles';
import { NOW, verdictDetail } from './fixtures';

const answer = (status: number, body: unknown, extra: Partial<ReceiverResponse> = {}): ReceiverResponse => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  truncated: false,
  ...extra,
});

const SLACK: AlertWebhook = {
  name: 'security',
  format: 'slack',
  url: 'https://slack.com/api/chat.postMessage',
  channel: 'C0SECURITY',
  secretName: 'slack-bot',
};
const PAGER: AlertWebhook = {
  name: 'pager',
  format: 'pagerduty',
  url: 'https://events.pagerduty.com/v2/enqueue',
  secretName: 'pd-key',
};
const SYSDIG: AlertWebhook = {
  name: 'sysdig',
  format: 'sysdig',
  url: 'https://app.sysdig.com/api/v2/events/',
  secretName: 'sysdig-token',
};
const HOOK: AlertWebhook = { name: 'hook', format: 'slack', url: 'https://hooks.slack.com/services/T/B/x' };
const SECRETS = { 'slack-bot': 'xoxb-good', 'pd-key': 'R'.repeat(32), 'sysdig-token': 'Bearer sd-token' };

describe('which webhooks notify delivers itself', () => {
  it.each([
    ['chat.postMessage', 'notify', SLACK],
    ['pagerduty', 'notify', PAGER],
    ['sysdig', 'notify', SYSDIG],
    ['a Slack incoming webhook', 'api-destination', HOOK],
    ['json', 'api-destination', { name: 'ops', format: 'json', url: 'https://example.com/hook' }],
  ] as const)('%s → %s', (_label, delivery, webhook) => {
    expect(webhookDelivery(webhook)).toBe(delivery);
  });
});

describe('judging what a receiver answered', () => {
  const slack = { format: 'slack', delivery: 'notify' } as const;

  it('Slack Web API: only ok:true is a delivery, whatever the status says', () => {
    expect(judgeAnswer(slack, answer(200, { ok: true, channel: 'C0SECURITY', ts: '1.2' }))).toEqual({
      accepted: true,
      retryable: false,
      answer: 'HTTP 200 ok channel C0SECURITY ts 1.2',
    });
    expect(judgeAnswer(slack, answer(200, { ok: false, error: 'channel_not_found' }))).toEqual({
      accepted: false,
      retryable: false,
      answer: 'HTTP 200 ok:false error channel_not_found',
    });
    expect(judgeAnswer(slack, answer(200, { ok: false, error: 'ratelimited' })).retryable).toBe(true);
    expect(judgeAnswer(slack, answer(200, 'not json')).accepted).toBe(false);
    expect(judgeAnswer(slack, answer(429, '', { retryAfterSeconds: 3 }))).toMatchObject({
      accepted: false,
      retryable: true,
      answer: 'HTTP 429 (retry after 3 s)',
    });
    // A body cut short by the transport still says which it is: Slack puts ok first.
    expect(
      judgeAnswer(slack, answer(200, '{"ok":true,"channel":"C1","message":{"bl', { truncated: true }))
        .accepted,
    ).toBe(true);
  });

  it('an incoming webhook and a JSON receiver are judged by status, as EventBridge judges them', () => {
    const hook = { format: 'slack', delivery: 'api-destination' } as const;
    expect(judgeAnswer(hook, answer(200, 'ok')).accepted).toBe(true);
    expect(judgeAnswer(hook, answer(404, 'channel_not_found'))).toMatchObject({
      accepted: false,
      retryable: false,
      answer: 'HTTP 404 channel_not_found',
    });
    expect(judgeAnswer({ format: 'json', delivery: 'api-destination' }, answer(503, '')).retryable).toBe(
      true,
    );
  });

  it('PagerDuty: 202 success; 400 invalid event is final; 429 is retried', () => {
    const pd = { format: 'pagerduty', delivery: 'notify' } as const;
    expect(
      judgeAnswer(pd, answer(202, { status: 'success', message: 'Event processed', dedup_key: 'k' })),
    ).toMatchObject({ accepted: true, answer: 'HTTP 202 success: Event processed: dedup_key k' });
    expect(
      judgeAnswer(
        pd,
        answer(400, {
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: ["'routing_key' is bad"],
        }),
      ),
    ).toEqual({
      accepted: false,
      retryable: false,
      answer: "HTTP 400 invalid event: Event object is invalid: 'routing_key' is bad",
    });
    expect(judgeAnswer(pd, answer(429, 'Rate limit reached'))).toMatchObject({
      accepted: false,
      retryable: true,
    });
  });

  it('Sysdig: 201 created; 401 and 400 refused, with the reason', () => {
    const sd = { format: 'sysdig', delivery: 'notify' } as const;
    expect(judgeAnswer(sd, answer(201, { event: { id: 42 } }))).toMatchObject({
      accepted: true,
      answer: 'HTTP 201 event 42',
    });
    expect(judgeAnswer(sd, answer(401, { message: 'Bad credentials' })).answer).toBe(
      'HTTP 401 Bad credentials',
    );
    expect(
      judgeAnswer(sd, answer(400, { errors: [{ reason: 'Invalid request', message: 'event.name: blank' }] })),
    ).toMatchObject({
      accepted: false,
      retryable: false,
      answer: 'HTTP 400 Invalid request: event.name: blank',
    });
  });

  it('a receiver’s words are one printable, bounded line', () => {
    const hostile = answer(200, { ok: false, error: `bad\r\nX-Injected: 1\u001b[31m${'x'.repeat(1000)}` });
    const judged = judgeAnswer(slack, hostile);
    expect(judged.answer).not.toContain('\r');
    expect(judged.answer).not.toContain('\n');
    expect(judged.answer).not.toContain('\u001b');
    expect(Array.from(judged.answer).length).toBeLessThanOrEqual(300);
  });
});

describe('delivering a Tollgate Alert notify owns', () => {
  const alert = verdictAlert(verdictDetail(), { now: NOW });
  const detailFor = (webhook: AlertWebhook): unknown => alertEvents(alert, [webhook])[0]!.detail;

  it('Slack: the bot token as a bearer header, the channel in the body, and ok:true checked', async () => {
    const transport = new RecordingTransport(() => answer(200, { ok: true, channel: 'C0SECURITY', ts: '1' }));
    const deps = { webhooks: [SLACK], transport, secrets: staticSecrets(SECRETS) };
    await expect(deliverAlertEvent(deps, detailFor(SLACK))).resolves.toMatchObject({
      kind: 'delivered',
      result: { channel: 'security', accepted: true, status: 200 },
    });
    expect(transport.requests[0]).toMatchObject({
      url: SLACK.url,
      headers: { Authorization: 'Bearer xoxb-good', 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(transport.bodies()[0]).toMatchObject({ channel: 'C0SECURITY', unfurl_links: false });
  });

  it('Slack refusing at HTTP 200 throws a retryable AlertDeliveryError, never counts it delivered', async () => {
    const transport = new RecordingTransport(() => answer(200, { ok: false, error: 'channel_not_found' }));
    const error = await deliverAlertEvent(
      { webhooks: [SLACK], transport, secrets: staticSecrets(SECRETS) },
      detailFor(SLACK),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect(error).toMatchObject({
      retryable: true,
      channel: 'security',
      message: 'alert to security not delivered: HTTP 200 ok:false error channel_not_found',
    });
  });

  it('PagerDuty: the routing key goes into the body only when sent; Sysdig: a bearer token', async () => {
    const transport = new RecordingTransport((request) =>
      request.url === PAGER.url ? answer(202, { status: 'success' }) : answer(201, { event: { id: 'e' } }),
    );
    const deps = { webhooks: [PAGER, SYSDIG], transport, secrets: staticSecrets(SECRETS) };
    const pagerDetail = detailFor(PAGER);
    expect(JSON.stringify(pagerDetail)).not.toContain('RRRR');
    await deliverAlertEvent(deps, pagerDetail);
    await deliverAlertEvent(deps, detailFor(SYSDIG));
    expect(transport.bodies()[0]).toMatchObject({ routing_key: 'R'.repeat(32), event_action: 'trigger' });
    expect(transport.requests[0]!.headers.Authorization).toBeUndefined();
    expect(transport.requests[1]!.headers.Authorization).toBe('Bearer sd-token');
  });

  it('no answer, or an unreadable secret, is a failed delivery too', async () => {
    const down = new RecordingTransport(() => {
      throw new Error('The operation was aborted due to timeout');
    });
    await expect(
      deliverAlertEvent(
        { webhooks: [SLACK], transport: down, secrets: staticSecrets(SECRETS) },
        detailFor(SLACK),
      ),
    ).rejects.toThrow('no answer: The operation was aborted due to timeout');
    const transport = new RecordingTransport();
    await expect(
      deliverAlertEvent({ webhooks: [SLACK], transport, secrets: staticSecrets({}) }, detailFor(SLACK)),
    ).rejects.toThrow('secret slack-bot not readable');
    expect(transport.requests).toHaveLength(0);
  });

  it('leaves the API destination channels to EventBridge', async () => {
    const transport = new RecordingTransport();
    await expect(
      deliverAlertEvent({ webhooks: [HOOK], transport, secrets: staticSecrets({}) }, detailFor(HOOK)),
    ).resolves.toEqual({ kind: 'not-ours', channel: 'hook' });
    expect(transport.requests).toHaveLength(0);
  });
});

describe('dispatch with a PagerDuty receiver', () => {
  const deps = (publisher: RecordingPublisher, topic: RecordingTopic): DispatchDeps => ({
    topic,
    publisher,
    policy: { verdicts: ['REJECTED', 'ERROR', 'REVOKED'], tagViolations: true, resolveOnApproval: true },
    webhooks: [SLACK, PAGER],
    transport: new RecordingTransport(),
    secrets: staticSecrets(SECRETS),
    now: () => NOW,
  });

  it('sends a plain approval to PagerDuty only, as a resolve, and nothing to people', async () => {
    const publisher = new RecordingPublisher();
    const topic = new RecordingTopic();
    const outcome = await dispatchAlert(deps(publisher, topic), {
      detailType: 'Tollgate Image Verdict',
      detail: { ...verdictDetail(), verdict: 'APPROVED', warnings: [] },
    });
    expect(outcome.kind).toBe('resolved');
    expect(topic.published).toHaveLength(0);
    expect(publisher.published.map((event) => event.detail)).toEqual([
      expect.objectContaining({
        channel: 'pager',
        body: { event_action: 'resolve', dedup_key: `payments/api@${verdictDetail().image.digest}` },
      }),
    ]);
  });

  it('without a PagerDuty receiver, an approval is not alerting', async () => {
    const publisher = new RecordingPublisher();
    const outcome = await dispatchAlert(
      {
        ...deps(publisher, new RecordingTopic()),
        webhooks: [SLACK],
        policy: { verdicts: ['REJECTED'], tagViolations: true },
      },
      {
        detailType: 'Tollgate Image Verdict',
        detail: { ...verdictDetail(), verdict: 'APPROVED', warnings: [] },
      },
    );
    expect(outcome.kind).toBe('not-alerting');
    expect(publisher.published).toHaveLength(0);
  });
});

describe('the test alert', () => {
  it('goes to every channel, says it is a test, and reports each answer without throwing', async () => {
    const transport = new RecordingTransport((request) => {
      if (request.url === SLACK.url) return answer(200, { ok: false, error: 'not_in_channel' });
      if (request.url === PAGER.url) return answer(202, { status: 'success', message: 'Event processed' });
      return answer(200, 'ok');
    });
    const topic = new RecordingTopic();
    const report = await sendTestAlert(
      { webhooks: [SLACK, PAGER, HOOK], transport, secrets: staticSecrets(SECRETS), topic, now: () => NOW },
      { requestedBy: 'unit' },
      'req-1',
    );
    expect(report.kind).toBe('tested');
    if (report.kind !== 'tested') return;
    expect(report.results.map((result) => [result.channel, result.accepted])).toEqual([
      ['email', true],
      ['security', false],
      ['pager', true],
      ['hook', true],
    ]);
    expect(topic.published[0]!.subject).toBe('Tollgate test alert - no action needed');
    expect(topic.published[0]!.attributes.kind).toBe('test');
    const bodies = transport.bodies();
    expect(JSON.stringify(bodies[0])).toContain('Tollgate test alert — no action needed');
    // PagerDuty: a trigger, then a resolve of the same key, so no incident stays open.
    const pagerBodies = bodies.filter((body) => body.routing_key !== undefined);
    expect(pagerBodies.map((body) => body.event_action)).toEqual(['trigger', 'resolve']);
    expect(pagerBodies[1]!.dedup_key).toBe(pagerBodies[0]!.dedup_key);
    // The incoming webhook is probed with the header its connection sends.
    const probe = transport.requests.find((request) => request.url === HOOK.url)!;
    expect(probe.headers['X-Tollgate-Source']).toBe('tollgate');
    const hook = report.results.find((result) => result.channel === 'hook')!;
    expect(hook).toMatchObject({ kind: 'webhook', via: 'probe' });
  });

  it('one channel only, or an unknown channel named with the known ones', async () => {
    const deps = {
      webhooks: [SLACK],
      transport: new RecordingTransport(() => answer(200, { ok: true })),
      secrets: staticSecrets(SECRETS),
      topic: new RecordingTopic(),
    };
    const one = await sendTestAlert(deps, { channel: 'security' }, 'x');
    expect(one.kind === 'tested' && one.results.map((result) => result.channel)).toEqual(['security']);
    expect(deps.topic.published).toHaveLength(0);
    await expect(sendTestAlert(deps, { channel: 'nope' }, 'x')).resolves.toEqual({
      kind: 'unknown-channel',
      channel: 'nope',
      channels: ['email', 'security'],
    });
  });
});

describe('the adapters', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/slow') {
        const timer = setTimeout(() => response.end('late'), 2000);
        response.on('close', () => clearTimeout(timer));
        return;
      }
      if (request.url === '/huge') {
        response.writeHead(200, { 'retry-after': '7' });
        response.end('y'.repeat(1024 * 1024));
        return;
      }
      if (request.url === '/moved') {
        response.writeHead(302, { location: 'https://evil.example/' }).end();
        return;
      }
      response.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('the HTTP transport bounds the time and the answer it reads, and follows no redirect', async () => {
    const transport = new HttpWebhookTransport({ timeoutMs: 300, maxResponseBytes: 1000 });
    const post = (path: string) => transport.post({ url: `${url}${path}`, headers: {}, body: '{}' });
    await expect(post('/slow')).rejects.toThrow();
    const huge = await post('/huge');
    expect(huge).toMatchObject({ status: 200, truncated: true, retryAfterSeconds: 7 });
    expect(huge.body).toHaveLength(1000);
    await expect(post('/moved')).resolves.toMatchObject({ status: 302 });
    await expect(post('/')).resolves.toEqual({ status: 200, body: '{"ok":true}', truncated: false });
  });

  it('Secrets Manager: the current value, cached for a while, and a failure thrown', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 'slack-bot' }).resolves({ SecretString: 'xoxb-1' });
    sm.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(
      Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    let now = 0;
    const source = new SecretsManagerSource({
      client: new SecretsManagerClient({}),
      ttlMs: 1000,
      now: () => now,
    });
    await expect(source.secret('slack-bot')).resolves.toBe('xoxb-1');
    await source.secret('slack-bot');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 2000;
    await source.secret('slack-bot');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    await expect(source.secret('gone')).rejects.toMatchObject({ retryable: false, code: 'INVALID_CONFIG' });
    sm.restore();
  });
});
