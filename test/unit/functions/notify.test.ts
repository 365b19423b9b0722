import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { resolve } from 'node:path';
import { EventValidationError } from '../../../shared/core/domain/errors';
import { DIGEST, HOSTILE, tagViolationDetail, verdictDetail } from '../alerts/fixtures';

const TOPIC_ARN = 'arn:aws:sns:us-west-2:123456789012:tollgate-alerts';
const config = {
  repositories: ['*'],
  alerts: {
    emails: ['security@example.com'],
    webhooks: [
      { name: 'chat', url: 'https://hooks.example.com/services/x', format: 'slack' },
      { name: 'pager', url: 'https://events.example.com/v2', format: 'json', secretName: 'tollgate/pager' },
    ],
  },
};
// What the Alerts construct sets on the function (infra/constructs/alerts.ts, infra/tollgate.ts).
Object.assign(process.env, {
  TOLLGATE_CONFIG: JSON.stringify(config),
  TOLLGATE_POLICY_FILE: 'tollgate.policy.yaml',
  LAMBDA_TASK_ROOT: resolve(__dirname, '../../..'),
  TOLLGATE_ALERT_TOPIC_ARN: TOPIC_ARN,
  TOLLGATE_BUS_NAME: 'tollgate',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_REGION: 'us-west-2',
});

const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
const context = { functionName: 'notify', awsRequestId: 'request-1' } as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
beforeAll(async () => {
  ({ handler } = await import('../../../functions/notify/handler'));
});

beforeEach(() => {
  sns.reset();
  eventBridge.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  eventBridge
    .on(PutEventsCommand)
    .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }, { EventId: 'e-2' }] });
});

const envelope = (detailType: string, detail: unknown, extra: Record<string, unknown> = {}): unknown => ({
  version: '0',
  id: 'event-1',
  'detail-type': detailType,
  source: 'tollgate',
  account: '123456789012',
  time: '2026-12-01T12:00:00Z',
  region: 'us-west-2',
  resources: [],
  detail,
  ...extra,
});

const published = (): PublishCommandInput => {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
};
const putEntries = (): PutEventsRequestEntry[] =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

describe('notify handler', () => {
  it('publishes a REJECTED verdict to the topic and one formatted Tollgate Alert per webhook', async () => {
    await expect(handler(envelope('Tollgate Image Verdict', verdictDetail()), context)).resolves.toBe('sent');

    const input = published();
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'Tollgate REJECTED payments/api:1.4.2',
      MessageStructure: 'json',
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'verdict' },
        status: { DataType: 'String', StringValue: 'REJECTED' },
        severity: { DataType: 'String', StringValue: 'critical' },
        repository: { DataType: 'String', StringValue: 'payments/api' },
      },
    });
    const message = JSON.parse(input.Message!) as Record<string, string>;
    expect(message.email).toBe(message.default);
    expect(message.email).toContain(`Digest:          ${DIGEST}`);
    expect(message.email).toContain('  - CRITICAL CVE-2026-0001 in openssl [severityLimits.CRITICAL]');
    expect(JSON.parse(message.sqs!)).toMatchObject({ status: 'REJECTED', findingsTotal: 3 });

    const entries = putEntries();
    expect(entries.map((entry) => [entry.EventBusName, entry.Source, entry.DetailType])).toEqual([
      ['tollgate', 'tollgate', 'Tollgate Alert'],
      ['tollgate', 'tollgate', 'Tollgate Alert'],
    ]);
    const [chat, pager] = entries.map((entry) => JSON.parse(entry.Detail!) as Record<string, unknown>);
    expect(chat).toMatchObject({
      schemaVersion: '1.0',
      channel: 'chat',
      format: 'slack',
      kind: 'verdict',
      status: 'REJECTED',
    });
    expect(chat!.body).toMatchObject({ text: 'Tollgate REJECTED payments/api:1.4.2', unfurl_links: false });
    expect(pager).toMatchObject({
      channel: 'pager',
      format: 'json',
      body: { source: 'tollgate', digest: DIGEST },
    });
  });

  it('sends nothing for an APPROVED verdict in enforce mode', async () => {
    const approved = { ...verdictDetail(), verdict: 'APPROVED', blocking: [], blockingTotal: 0 };
    await expect(handler(envelope('Tollgate Image Verdict', approved), context)).resolves.toBe(
      'not-alerting',
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('alerts on a warn-mode approval and includes its warnings', async () => {
    const warned = {
      ...verdictDetail(),
      verdict: 'APPROVED',
      mode: 'warn',
      warnings: ['CVE-2026-0001 (CRITICAL) would block under enforce'],
    };
    await expect(handler(envelope('Tollgate Image Verdict', warned), context)).resolves.toBe('sent');
    const input = published();
    expect(input.Subject).toBe('Tollgate APPROVED WITH WARNINGS payments/api:1.4.2');
    expect((JSON.parse(input.Message!) as { email: string }).email).toContain(
      'Warnings:\n  - CVE-2026-0001 (CRITICAL) would block under enforce',
    );
  });

  it('does not alert again for an event replayed from the archive', async () => {
    const replayed = envelope('Tollgate Image Verdict', verdictDetail(), { 'replay-name': 'audit-2026-12' });
    await expect(handler(replayed, context)).resolves.toBe('replay');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('alerts on a tag violation', async () => {
    await expect(handler(envelope('Tollgate Tag Violation', tagViolationDetail()), context)).resolves.toBe(
      'sent',
    );
    expect(published().Subject).toBe('Tollgate TAG VIOLATION FORBIDDEN_TAG payments/api:latest');
    expect(putEntries()).toHaveLength(2);
  });

  it('ignores its own Tollgate Alert events and other detail types', async () => {
    await expect(handler(envelope('Tollgate Alert', { channel: 'chat' }), context)).resolves.toBe('ignored');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('escapes hostile strings end to end: the Slack body on the bus carries no mention or link markup', async () => {
    const detail = verdictDetail({ warnings: [HOSTILE.channel], reasons: [HOSTILE.link] }, [HOSTILE.mention]);
    await handler(envelope('Tollgate Image Verdict', detail), context);
    const slack = JSON.stringify((JSON.parse(putEntries()[0]!.Detail!) as { body: unknown }).body);
    expect(slack).not.toContain('<!channel>');
    expect(slack).not.toContain('<@U123ABC>');
    expect(slack).not.toContain('<https://evil');
    expect(slack).toContain('&lt;!channel&gt;');
  });

  it('throws on an unreadable verdict, so it reaches the DLQ, and sends nothing', async () => {
    await expect(
      handler(envelope('Tollgate Image Verdict', { verdict: 'MAYBE' }), context),
    ).rejects.toBeInstanceOf(EventValidationError);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('throws when SNS fails, before any webhook event, so the retry sends both', async () => {
    sns.on(PublishCommand).rejects(new Error('KMS.ThrottlingException'));
    await expect(handler(envelope('Tollgate Image Verdict', verdictDetail()), context)).rejects.toThrow(
      'KMS.ThrottlingException',
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('resends only the webhook events EventBridge refused', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'e-1' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    await expect(handler(envelope('Tollgate Image Verdict', verdictDetail()), context)).resolves.toBe('sent');
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    const resent = (calls[1]!.args[0].input.Entries ?? []).map(
      (entry) => (JSON.parse(entry.Detail!) as { channel: string }).channel,
    );
    expect(resent).toEqual(['pager']);
  });
});
