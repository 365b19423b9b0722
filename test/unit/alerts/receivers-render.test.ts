import fc from 'fast-check';
import {
  alertEvents,
  pagerDutyDedupKey,
  PAGERDUTY_LIMITS,
  renderPagerDuty,
  renderSysdig,
  SYSDIG_LIMITS,
  tagViolationAlert,
  testAlert,
  verdictAlert,
  type PagerDutyEvent,
  type VerdictAlertInput,
} from '../../../shared/app/alerts';
import { CONSOLE_URL, DIGEST, HOSTILE, NOW, REGISTRY, tagViolationDetail, verdictDetail } from './fixtures';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const POLICY_DIGEST = `sha256:${'c'.repeat(64)}`;

/** Markup a receiver or a client might render: Slack mrkdwn, HTML, Markdown links. */
const INJECTION = {
  ...HOSTILE,
  html: '<script>alert(1)</script><img src=x onerror=alert(2)>',
  markdown: '[Open in the ECR console](https://evil.example/login)',
  quote: 'repo" or container.name = "anything',
} as const;
const hostile = Object.values(INJECTION);

/** A verdict with a hostile string in every field an attacker can reach, and a very long title. */
const poisoned = (value: string, tag = value): VerdictAlertInput => ({
  ...verdictDetail(
    {
      blocking: [{ id: value, severity: 'CRITICAL', package: value, rule: value }],
      blockingTotal: 1,
      exceptionsApplied: [{ id: value, package: value, reason: value, expires: '2026-12-03', matched: 1 }],
      warnings: [value],
      reasons: [value],
    },
    [tag, 'stable'],
  ),
  error: { code: value, message: value },
});

const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)])
        : [];

/** Characters, as the limits count them (code points, so an emoji is one). */
const chars = (value: string): number => Array.from(value).length;

const trigger = (event: PagerDutyEvent): Extract<PagerDutyEvent, { event_action: 'trigger' }> => {
  if (event.event_action !== 'trigger') throw new Error(`expected a trigger, got ${event.event_action}`);
  return event;
};

describe('PagerDuty Events v2', () => {
  const alert = verdictAlert(verdictDetail({ policyDigest: POLICY_DIGEST }), { now: NOW });

  it('triggers a REJECTED verdict, keyed repository@digest, severity critical, with our console link only', () => {
    const event = trigger(renderPagerDuty(alert));
    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: `payments/api@${DIGEST}`,
      client: 'Tollgate',
      links: [{ href: CONSOLE_URL, text: 'Open in the ECR console' }],
      payload: {
        summary: 'Tollgate REJECTED payments/api:1.4.2',
        source: REGISTRY,
        severity: 'critical',
        component: 'payments/api',
        group: 'tollgate',
        class: 'REJECTED',
      },
    });
    expect(event.payload.custom_details).toMatchObject({
      repository: 'payments/api',
      digest: DIGEST,
      policyDigest: POLICY_DIGEST,
      blockingFindingsTotal: 3,
    });
    // The routing key is a secret: it is added when notify sends the event, never on the bus.
    expect(JSON.stringify(event)).not.toContain('routing_key');
  });

  it('maps ERROR to error and a warn-mode approval to warning, and resolves a plain APPROVED with the same key', () => {
    const error = verdictAlert({ ...verdictDetail(), verdict: 'ERROR' }, { now: NOW });
    expect(trigger(renderPagerDuty(error)).payload.severity).toBe('error');
    const warned = verdictAlert(
      { ...verdictDetail(), verdict: 'APPROVED', mode: 'warn', warnings: ['would block'] },
      { now: NOW },
    );
    expect(trigger(renderPagerDuty(warned)).payload.severity).toBe('warning');
    const approved = verdictAlert({ ...verdictDetail(), verdict: 'APPROVED', warnings: [] }, { now: NOW });
    expect(renderPagerDuty(approved)).toEqual({
      event_action: 'resolve',
      dedup_key: trigger(renderPagerDuty(alert)).dedup_key,
    });
  });

  it('keys tag violations apart, so an approval does not resolve them', () => {
    const violation = tagViolationAlert(tagViolationDetail(), { now: NOW });
    const event = trigger(renderPagerDuty(violation));
    expect(event.dedup_key).toBe(`payments/api@${DIGEST} TAG VIOLATION FORBIDDEN_TAG`);
    expect(event.payload.severity).toBe('warning');
  });

  it('marks a test alert as info, under a key of its own', () => {
    const event = trigger(renderPagerDuty(testAlert({ now: NOW, id: 'req-1' })));
    expect(event.payload).toMatchObject({
      summary: 'Tollgate test alert — no action needed',
      severity: 'info',
    });
    expect(event.dedup_key).toBe('tollgate-test@req-1');
  });

  it('keeps the dedup key within 255 characters, the digest whole, and the same for the same image', () => {
    const repository = `team/${'a'.repeat(300)}`;
    const key = pagerDutyDedupKey(repository, DIGEST);
    expect(chars(key)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
    expect(key.endsWith(`@${DIGEST}`)).toBe(true);
    expect(pagerDutyDedupKey(repository, DIGEST)).toBe(key);
  });

  it('hostile strings: no control, bidi or zero-width character; HTML and links stay inert text; bounded', () => {
    const long = `${hostile.join(' | ')} ${'x'.repeat(5000)}`;
    const event = trigger(renderPagerDuty(verdictAlert(poisoned(long), { now: NOW })));
    for (const value of strings(event)) expect(value).not.toMatch(UNSAFE);
    expect(chars(event.payload.summary)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    expect(chars(event.dedup_key)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
    // The only link is ours, however many URLs and markdown links the event carries.
    expect(event.links).toEqual([{ href: CONSOLE_URL, text: 'Open in the ECR console' }]);
    expect(JSON.stringify(event).length).toBeLessThan(512 * 1024);
  });
});

describe('Sysdig events', () => {
  const alert = verdictAlert(verdictDetail({ policyDigest: POLICY_DIGEST }), { now: NOW });

  it('sends a custom event: severity from the verdict, the image as scope, tags naming it', () => {
    const { event } = renderSysdig(alert);
    expect(event).toMatchObject({
      name: 'Tollgate REJECTED payments/api:1.4.2',
      severity: 2,
      scope: `container.image.repo = "${REGISTRY}/payments/api" and container.image.digest = "${DIGEST}"`,
      tags: {
        source: 'tollgate',
        kind: 'verdict',
        repository: 'payments/api',
        digest: DIGEST,
        verdict: 'REJECTED',
        policyDigest: POLICY_DIGEST,
        tag: '1.4.2',
        correlationId: 'scan-event-1',
      },
    });
    expect(event.description).toContain('CVE-2026-0001');
  });

  it.each([
    ['ERROR', 3],
    ['REVOKED', 2],
  ] as const)('%s has syslog severity %d', (verdict, severity) => {
    expect(renderSysdig(verdictAlert({ ...verdictDetail(), verdict }, { now: NOW })).event.severity).toBe(
      severity,
    );
  });

  it('gives a warn-mode approval severity 4 and a test alert 6, with no scope', () => {
    const warned = verdictAlert(
      { ...verdictDetail(), verdict: 'APPROVED', mode: 'warn', warnings: ['would block'] },
      { now: NOW },
    );
    expect(renderSysdig(warned).event.severity).toBe(4);
    const { event } = renderSysdig(testAlert({ now: NOW }));
    expect(event).toMatchObject({ severity: 6, name: 'Tollgate test alert — no action needed' });
    expect(event.tags.test).toBe('true');
    expect(event.scope).toBeUndefined();
  });

  it('builds the scope only from values that match strict patterns: a quote cannot widen it', () => {
    const hostileImage = verdictAlert(
      {
        ...verdictDetail(),
        image: {
          registry: `evil" or x = "y`,
          repository: INJECTION.quote,
          digest: 'sha256:not-hex',
          tags: [],
        },
      },
      { now: NOW },
    );
    const { event } = renderSysdig(hostileImage);
    expect(event.scope).toBeUndefined();
    // What was left out of the scope is still in the tags, as data.
    expect(event.tags.repository).toBe(INJECTION.quote);
  });

  it('hostile strings: no control, bidi or zero-width character anywhere; name and description bounded', () => {
    const long = `${hostile.join(' | ')} ${'x'.repeat(10_000)}`;
    const { event } = renderSysdig(verdictAlert(poisoned(long), { now: NOW }));
    for (const value of strings(event)) {
      // The description is the e-mail text: lines, but no other control character.
      expect(value.replace(/\n/g, ' ')).not.toMatch(UNSAFE);
    }
    expect(chars(event.name)).toBeLessThanOrEqual(SYSDIG_LIMITS.name);
    expect(chars(event.description)).toBeLessThanOrEqual(SYSDIG_LIMITS.description);
    for (const value of Object.values(event.tags))
      expect(chars(value)).toBeLessThanOrEqual(SYSDIG_LIMITS.tag);
    expect(event.description).not.toContain('https://evil');
    expect(event.scope).toBe(
      `container.image.repo = "${REGISTRY}/payments/api" and container.image.digest = "${DIGEST}"`,
    );
  });
});

describe('the Tollgate Alert bodies, per format', () => {
  it('puts the Slack channel in a chat.postMessage body, and no credential in any body', () => {
    const alert = verdictAlert(verdictDetail(), { now: NOW });
    const events = alertEvents(alert, [
      { name: 'chat', format: 'slack', url: 'https://slack.com/api/chat.postMessage', channel: 'C0SECURITY' },
      { name: 'pd', format: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', secretName: 'pd' },
      { name: 'sd', format: 'sysdig', url: 'https://app.sysdig.com/api/v2/events/', secretName: 'sd' },
    ]);
    const [slack, pagerduty, sysdig] = events.map(
      (event) => event.detail as { format: string; body: object },
    );
    expect(slack).toMatchObject({ format: 'slack', body: { channel: 'C0SECURITY' } });
    expect(pagerduty).toMatchObject({ format: 'pagerduty', body: { event_action: 'trigger' } });
    expect(sysdig).toMatchObject({ format: 'sysdig', body: { event: { severity: 2 } } });
  });
});

describe('for any string (property)', () => {
  const fragment = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom(...hostile, '<', '>', '&', '"', '\r\n', '\u202e', '|', '*', '`', '://'),
  );
  const value = fc.array(fragment, { maxLength: 10 }).map((parts) => parts.join(''));

  it('PagerDuty and Sysdig bodies carry no unsafe character, stay bounded, and keep a safe scope', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const alert = verdictAlert(poisoned(a, b), { now: NOW });
        const pagerDuty = trigger(renderPagerDuty(alert));
        for (const text of strings(pagerDuty)) expect(text).not.toMatch(UNSAFE);
        expect(chars(pagerDuty.payload.summary)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
        const { event } = renderSysdig(alert);
        for (const text of strings(event)) expect(text.replace(/\n/g, ' ')).not.toMatch(UNSAFE);
        expect(chars(event.name)).toBeLessThanOrEqual(SYSDIG_LIMITS.name);
        expect(event.scope).toBe(
          `container.image.repo = "${REGISTRY}/payments/api" and container.image.digest = "${DIGEST}"`,
        );
      }),
      { numRuns: 100 },
    );
  });
});
