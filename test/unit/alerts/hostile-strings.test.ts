import fc from 'fast-check';
import {
  alertEvents,
  renderJson,
  renderSlack,
  renderText,
  tagViolationAlert,
  verdictAlert,
  type SlackMessage,
  type VerdictAlertInput,
} from '../../../shared/app/alerts';
import { CONSOLE_URL, DIGEST, HOSTILE, NOW, REGISTRY, tagViolationDetail, verdictDetail } from './fixtures';

const hostile = Object.values(HOSTILE);

/** Every text Slack will parse: the fallback and each text object. */
const slackTexts = (message: SlackMessage): string[] => [
  message.text,
  ...message.blocks.flatMap((block) => {
    if ('text' in block) return [block.text.text];
    if ('fields' in block) return block.fields.map((field) => field.text);
    if ('elements' in block) return block.elements.map((element) => element.text);
    return [];
  }),
];

const OUR_LINK =
  /<https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/ecr\/repositories\/private\/[^|<>\s]+\|Open in the ECR console>/g;

/** Slack markup left once our own console link is taken out: there must be none. */
const expectNoSlackMarkup = (message: SlackMessage): void => {
  for (const text of slackTexts(message)) {
    const rest = text.replace(OUR_LINK, '');
    expect(rest).not.toMatch(/[<>]/);
    // Every & starts one of the three entities Slack knows; no raw & can start a new one.
    expect(rest.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
  }
};

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** A verdict with a hostile string in every field an attacker can reach. */
const poisoned = (value: string): VerdictAlertInput => ({
  ...verdictDetail(
    {
      blocking: [{ id: value, severity: 'CRITICAL', package: value, rule: value }],
      blockingTotal: 1,
      exceptionsApplied: [{ id: value, package: value, reason: value, expires: '2026-12-03', matched: 1 }],
      warnings: [value],
      reasons: [value],
    },
    [value, 'stable'],
  ),
  error: { code: value, message: value },
});

describe('hostile strings in a verdict', () => {
  const alert = verdictAlert(poisoned(hostile.join(' | ')), { now: NOW });

  it('Slack: <!channel>, <@U…> and <url|text> links show as typed, never as markup', () => {
    const message = renderSlack(alert);
    expectNoSlackMarkup(message);
    const all = slackTexts(message).join('\n');
    expect(all).toContain('&lt;!channel&gt; deploy now');
    expect(all).toContain('ping &lt;@U123ABC&gt; and &lt;!here|here&gt;');
    expect(all).toContain('&lt;https://evil.example/login|Open in the ECR console&gt;');
    expect(all).toContain('a &amp;amp; b &amp; &lt;c&gt;');
    // The only real link is ours, to the console.
    expect(all.match(OUR_LINK)).toEqual([`<${CONSOLE_URL}|Open in the ECR console>`]);
    for (const block of message.blocks) {
      if ('text' in block) expect(block.text.verbatim).toBe(true);
    }
  });

  it('e-mail: the subject is one ASCII line under 100 characters, so no header can be injected', () => {
    const { subject } = renderText(alert);
    expect(subject).toMatch(/^[!-~][ -~]{0,98}$/);
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('e-mail: no untrusted value can start a line, hide text or carry a live link', () => {
    const { body } = renderText(alert);
    expect(body).not.toMatch(UNSAFE);
    expect(body).not.toContain('\r');
    for (const line of body.split('\n')) {
      expect(line).not.toMatch(/^(Bcc|Subject|Verdict):/);
    }
    expect(body).not.toContain('https://evil');
    expect(body).toContain('https[:]//evil.example/phish');
  });

  it('JSON: values hold no control, bidi or zero-width characters', () => {
    const json = JSON.stringify(renderJson(alert));
    // JSON.stringify would show raw controls as \uXXXX escapes and \r as \\r.
    expect(json).not.toMatch(/\\u00[01][0-9a-f]|\\r/i);
    expect(JSON.parse(json) as unknown).toBeDefined();
    expect(json).not.toMatch(UNSAFE);
  });

  it('the Tollgate Alert events carry the escaped body per webhook format', () => {
    const [slack, json] = alertEvents(alert, [
      { name: 'chat', format: 'slack' },
      { name: 'pager', format: 'json' },
    ]);
    expectNoSlackMarkup((slack?.detail as { body: SlackMessage }).body);
    expect((json?.detail as { body: { source: string } }).body.source).toBe('tollgate');
  });
});

describe('hostile strings in a tag violation', () => {
  it('are neutralized the same way', () => {
    const alert = tagViolationAlert(
      tagViolationDetail({
        tag: HOSTILE.channel,
        message: `${HOSTILE.header} ${HOSTILE.link}`,
        rule: 'FORBIDDEN_TAG',
      }),
      { now: NOW },
    );
    expectNoSlackMarkup(renderSlack(alert));
    const { subject, body } = renderText(alert);
    expect(subject).toMatch(/^[!-~][ -~]{0,98}$/);
    expect(body.split('\n').some((line) => line.startsWith('Bcc:'))).toBe(false);
  });
});

describe('for any string (property)', () => {
  const fragment = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(...hostile, '<', '>', '&', '\r\n', '\u202e', '|', '*', '`', '://'),
  );
  const value = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(''));

  it('Slack has no markup but ours, the subject is safe, the mail body has no unsafe character', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const detail: VerdictAlertInput = {
          ...poisoned(a),
          image: { registry: REGISTRY, repository: 'payments/api', digest: DIGEST, tags: [b] },
          warnings: [b],
        };
        const alert = verdictAlert(detail, { now: NOW });
        expectNoSlackMarkup(renderSlack(alert));
        const { subject, body } = renderText(alert);
        expect(subject).toMatch(/^[!-~][ -~]{0,98}$/);
        expect(body).not.toMatch(UNSAFE);
        expect(body).not.toContain('\r');
      }),
      { numRuns: 300 },
    );
  });
});
