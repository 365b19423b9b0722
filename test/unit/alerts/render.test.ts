import {
  renderJson,
  renderSlack,
  renderText,
  tagViolationAlert,
  topicMessage,
  verdictAlert,
  type SlackMessage,
} from '../../../shared/app/alerts';
import { errorVerdict } from '../../../shared/core/domain';
import { verdictEventDetail } from '../../../shared/core/events';
import {
  CONSOLE_URL,
  DIGEST,
  NOW,
  REGISTRY,
  rejectedVerdict,
  tagViolationDetail,
  verdictDetail,
} from './fixtures';

const texts = (message: SlackMessage): string[] => [
  message.text,
  ...message.blocks.flatMap((block) => {
    if ('text' in block) return [block.text.text];
    if ('fields' in block) return block.fields.map((field) => field.text);
    if ('elements' in block) return block.elements.map((element) => element.text);
    return [];
  }),
];

describe("a spoke's verdict alert names its account and region (docs/organization.md)", () => {
  const SPOKE = { account: '111111111111', region: 'eu-west-1' };
  const detail = verdictEventDetail({
    record: {
      image: {
        registry: `${SPOKE.account}.dkr.ecr.eu-west-1.amazonaws.com`,
        repository: 'payments/api',
        digest: DIGEST,
        scope: SPOKE,
      },
      tags: ['1.4.2'],
    },
    verdict: rejectedVerdict(),
  });

  it('in the event, the subject and the facts: the same digest in two accounts is two alerts', () => {
    expect(detail.image).toMatchObject(SPOKE);
    const { subject, body } = renderText(verdictAlert(detail, { now: NOW }));
    expect(subject).toBe('Tollgate REJECTED payments/api:1.4.2 in 111111111111/eu-west-1');
    expect(body.split('\n')).toContainEqual(expect.stringMatching(/^Account: +111111111111\/eu-west-1$/));
    // The hub's own image says neither.
    const hub = renderText(verdictAlert(verdictDetail(), { now: NOW }));
    expect(hub.subject).toBe('Tollgate REJECTED payments/api:1.4.2');
    expect(hub.body).not.toMatch(/^Account:/m);
  });
});

describe('verdict alert for people (SNS / e-mail)', () => {
  const alert = verdictAlert(verdictDetail(), { now: NOW });
  const { subject, body } = renderText(alert);

  it('puts the verdict, repository and tag in the subject', () => {
    expect(subject).toBe('Tollgate REJECTED payments/api:1.4.2');
  });

  it('gives the digest, the top findings with severity and package, and the console link', () => {
    const lines = body.split('\n');
    expect(lines).toContain(`Digest:          ${DIGEST}`);
    expect(lines).toContain('Tags:            1.4.2, stable');
    expect(lines).toContain('Blocking findings (3):');
    expect(lines).toContain('  - CRITICAL CVE-2026-0001 in openssl [severityLimits.CRITICAL]');
    expect(lines).toContain('  - HIGH CVE-2026-0003 [maxCvss]');
    expect(lines).toContain(CONSOLE_URL);
    expect(lines).toContain('Correlation id: scan-event-1');
    expect(lines).toContain('Severity counts: CRITICAL 2, HIGH 1');
  });

  it('lists only the exceptions that expire within 14 days, soonest first', () => {
    const lines = body.split('\n');
    const start = lines.indexOf('Exceptions expiring within 14 days:');
    expect(lines.slice(start + 1, start + 3)).toEqual([
      '  - CVE-2026-1000 (glibc) expires 2026-12-05, in 4 day(s): not reachable',
      '  - CVE-2026-1001 (curl) expires 2026-12-15, in 14 day(s): fix due',
    ]);
    expect(body).not.toContain('CVE-2026-1002');
  });

  it('says how many findings it left out', () => {
    const many = Array.from({ length: 20 }, (_, index) => ({
      id: `CVE-2026-${String(index).padStart(4, '0')}`,
      severity: 'CRITICAL' as const,
      package: 'openssl',
      rule: 'severityLimits.CRITICAL',
    }));
    const text = renderText(
      verdictAlert(verdictDetail({ blocking: many, blockingTotal: 57 }), { now: NOW }),
    ).body;
    expect(text).toContain('Blocking findings (top 10 of 57):');
    expect(text.match(/^ {2}- CRITICAL /gm)).toHaveLength(10);
  });

  it('names the error of an ERROR verdict', () => {
    const detail = verdictEventDetail({
      record: { image: { registry: REGISTRY, repository: 'payments/api', digest: DIGEST }, tags: [] },
      verdict: errorVerdict(
        { registry: REGISTRY, repository: 'payments/api', digest: DIGEST },
        'SCAN_TIMEOUT',
        'no scan result after 30 minutes',
        '2026-12-01T12:00:00.000Z',
      ),
    });
    const { subject: errorSubject, body: errorBody } = renderText(verdictAlert(detail, { now: NOW }));
    expect(errorSubject).toBe('Tollgate ERROR payments/api@sha256:aaaaaaaaaaaa');
    expect(errorBody).toContain('Error:           SCAN_TIMEOUT: no scan result after 30 minutes');
  });

  it('includes warn-mode warnings, and says the approval came with warnings', () => {
    const detail = {
      ...verdictDetail(),
      verdict: 'APPROVED' as const,
      mode: 'warn' as const,
      warnings: ['CVE-2026-0001 (CRITICAL) would block under enforce'],
    };
    const alert = verdictAlert(detail, { now: NOW });
    expect(alert.severity).toBe('warning');
    const text = renderText(alert);
    expect(text.subject).toBe('Tollgate APPROVED WITH WARNINGS payments/api:1.4.2');
    expect(text.body).toContain('Warnings:\n  - CVE-2026-0001 (CRITICAL) would block under enforce');
  });
});

describe('tag violation alert', () => {
  it('names the rule, repository and tag, and links the image', () => {
    const alert = tagViolationAlert(tagViolationDetail(), { now: NOW });
    const { subject, body } = renderText(alert);
    expect(subject).toBe('Tollgate TAG VIOLATION FORBIDDEN_TAG payments/api:latest');
    expect(body).toContain('Rule:            FORBIDDEN_TAG');
    expect(body).toContain('Details:\n  - tag latest is forbidden by tagRules.forbidden');
    expect(body).toContain(CONSOLE_URL);
  });
});

describe('Slack Block Kit', () => {
  const message = renderSlack(verdictAlert(verdictDetail(), { now: NOW }));

  it('has a fallback text, fields, findings, expiring exceptions and the console link', () => {
    expect(message.text).toBe('Tollgate REJECTED payments/api:1.4.2');
    expect(message.unfurl_links).toBe(false);
    const all = texts(message).join('\n');
    expect(all).toContain(`*Digest*\n${DIGEST}`);
    expect(all).toContain('• *CRITICAL* CVE-2026-0001 in openssl _(severityLimits.CRITICAL)_');
    expect(all).toContain('• CVE-2026-1000 (glibc) expires 2026-12-05 (in 4 days): not reachable');
    expect(all).toContain(`<${CONSOLE_URL}|Open in the ECR console>`);
  });

  it('turns off Slack parsing on every text object', () => {
    for (const block of message.blocks) {
      const objects =
        'text' in block
          ? [block.text]
          : 'fields' in block
            ? block.fields
            : 'elements' in block
              ? block.elements
              : [];
      for (const object of objects) expect(object).toMatchObject({ type: 'mrkdwn', verbatim: true });
    }
  });

  it('stays inside Slack limits however long the input', () => {
    const long = 'x'.repeat(5000);
    const big = renderSlack(
      verdictAlert(
        verdictDetail({
          reasons: Array.from({ length: 50 }, () => long),
          warnings: Array.from({ length: 50 }, () => `&${long}`),
        }),
        { now: NOW },
      ),
    );
    expect(big.blocks.length).toBeLessThanOrEqual(50);
    for (const block of big.blocks) {
      if ('text' in block) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      if ('fields' in block) {
        expect(block.fields.length).toBeLessThanOrEqual(10);
        for (const field of block.fields) expect(field.text.length).toBeLessThanOrEqual(2000);
      }
    }
  });
});

describe('generic JSON body and the topic message', () => {
  const alert = verdictAlert(verdictDetail(), { now: NOW });

  it('carries the facts as data, and the people text', () => {
    const body = renderJson(alert);
    expect(body).toMatchObject({
      source: 'tollgate',
      kind: 'verdict',
      severity: 'critical',
      status: 'REJECTED',
      summary: 'Tollgate REJECTED payments/api:1.4.2',
      repository: 'payments/api',
      digest: DIGEST,
      tags: ['1.4.2', 'stable'],
      consoleUrl: CONSOLE_URL,
      findingsTotal: 3,
      correlationId: 'scan-event-1',
    });
    expect(body.findings[0]).toEqual({
      id: 'CVE-2026-0001',
      severity: 'CRITICAL',
      package: 'openssl',
      rule: 'severityLimits.CRITICAL',
    });
    expect(body.expiringExceptions.map((exception) => [exception.id, exception.daysLeft])).toEqual([
      ['CVE-2026-1000', 4],
      ['CVE-2026-1001', 14],
    ]);
    expect(body.text).toBe(renderText(alert).body);
  });

  it('gives the topic the text for e-mail, the JSON for machines, and filterable attributes', () => {
    const message = topicMessage(alert);
    expect(message.subject).toBe('Tollgate REJECTED payments/api:1.4.2');
    expect(message.text).toBe(renderText(alert).body);
    expect(JSON.parse(message.json)).toMatchObject({ status: 'REJECTED', digest: DIGEST });
    expect(JSON.parse(message.json)).not.toHaveProperty('text');
    expect(message.attributes).toEqual({
      kind: 'verdict',
      status: 'REJECTED',
      severity: 'critical',
      repository: 'payments/api',
    });
  });
});
