import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { matchesEventPattern, validateEventPattern, type EventPattern } from '../../../local/event-pattern';
import {
  alertEvents,
  verdictAlert,
  verdictAlertInputSchema,
  type AlertJsonBody,
} from '../../../shared/app/alerts';
import {
  IMAGE_VERDICT,
  SIGNING_REQUESTED,
  TAG_VIOLATION,
  TOLLGATE_ALERT,
} from '../../../shared/core/events/tollgate-detail-types';
import { validateVerdictEvent } from './verdict-event-schema';

/**
 * docs/events.md is what downstream teams copy from: every sample there must be an event Tollgate can
 * produce (it validates against the committed schema) and every rule pattern must be one EventBridge
 * accepts and that matches the events it says it matches.
 */
const DOC = readFileSync(join(__dirname, '../../../docs/events.md'), 'utf8');
const blocks = [...DOC.matchAll(/```json\n([\s\S]*?)```/g)].map(
  (match) => JSON.parse(match[1]!) as Record<string, unknown>,
);

interface Envelope {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}
const envelopes = blocks.filter(
  (block): block is Record<string, unknown> & Envelope => typeof block['detail-type'] === 'string',
);
const patterns = blocks.filter((block) => Array.isArray(block.source)) as EventPattern[];
const bareVerdicts = blocks.filter(
  (block) => block.schemaVersion !== undefined && block.verdict !== undefined,
);
const samplesOf = (detailType: string): Envelope[] =>
  envelopes.filter((envelope) => envelope['detail-type'] === detailType);
const verdictSample = (verdict: string): Envelope =>
  samplesOf(IMAGE_VERDICT).find((envelope) => envelope.detail.verdict === verdict)!;

const validateTagViolation = new Ajv2020({ allErrors: true, strict: true, validateFormats: false }).compile(
  JSON.parse(
    readFileSync(join(__dirname, '../../../schemas/tag-violation-event.schema.json'), 'utf8'),
  ) as Record<string, unknown>,
);

describe('docs/events.md', () => {
  it('has a sample of each event Tollgate puts on its bus, but the internal signing request', () => {
    expect(new Set(envelopes.map((envelope) => envelope['detail-type']))).toEqual(
      new Set([IMAGE_VERDICT, TAG_VIOLATION, TOLLGATE_ALERT]),
    );
    expect(samplesOf(IMAGE_VERDICT).map((envelope) => envelope.detail.verdict)).toEqual(
      expect.arrayContaining(['REJECTED', 'APPROVED']),
    );
    expect(DOC).toContain(`\`${SIGNING_REQUESTED}\` (internal)`);
  });

  it('shows verdicts the committed schema accepts', () => {
    const details = [...samplesOf(IMAGE_VERDICT).map((envelope) => envelope.detail), ...bareVerdicts];
    expect(details.length).toBeGreaterThanOrEqual(3);
    for (const detail of details) {
      validateVerdictEvent(detail);
      expect({ verdict: detail.verdict, errors: validateVerdictEvent.errors ?? [] }).toEqual({
        verdict: detail.verdict,
        errors: [],
      });
    }
  });

  it('shows a tag violation the committed schema accepts', () => {
    const [sample] = samplesOf(TAG_VIOLATION);
    validateTagViolation(sample!.detail);
    expect(validateTagViolation.errors ?? []).toEqual([]);
  });

  it('shows the Tollgate Alert notify makes of the REJECTED sample, for a json webhook', () => {
    const rejected = verdictSample('REJECTED');
    const [sample] = samplesOf(TOLLGATE_ALERT);
    const alert = verdictAlert(verdictAlertInputSchema.parse(rejected.detail), {
      now: new Date('2026-11-16T01:56:14Z'),
      origin: { account: '123456789012', region: 'us-west-2' },
    });
    const [made] = alertEvents(alert, [{ name: 'pagerduty', format: 'json' }]);
    const { body: madeBody, ...madeDetail } = made!.detail as unknown as Record<string, unknown>;
    const { body: sampleBody, ...sampleDetail } = sample!.detail;
    expect(sampleDetail).toEqual(madeDetail);
    // The e-mail text is abbreviated in the doc; everything else is exactly what notify sends.
    const { text: _madeText, ...madeFields } = madeBody as AlertJsonBody;
    const { text: sampleText, ...sampleFields } = sampleBody as Record<string, unknown>;
    expect(sampleFields).toEqual(madeFields);
    expect(typeof sampleText).toBe('string');
  });

  it('gives rule patterns EventBridge accepts, each matching the samples it is meant for', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(8);
    for (const pattern of patterns) expect(() => validateEventPattern(pattern)).not.toThrow();
    const matching = (pattern: EventPattern): string[] =>
      envelopes
        .filter((envelope) => matchesEventPattern(pattern, envelope))
        .map(
          (envelope) =>
            `${envelope['detail-type']} ${String(envelope.detail.verdict ?? envelope.detail.rule)}`,
        );

    const [refusals, approvedForTeam] = patterns;
    expect(matching(refusals!)).toEqual([`${IMAGE_VERDICT} REJECTED`]);
    expect(matching(approvedForTeam!)).toEqual([`${IMAGE_VERDICT} APPROVED`]);
    const critical = patterns.find((pattern) => JSON.stringify(pattern).includes('"blocking"'))!;
    expect(matching(critical)).toEqual([`${IMAGE_VERDICT} REJECTED`]);
    const tagPatterns = patterns.filter(
      (pattern) => JSON.stringify(pattern['detail-type']) === `["${TAG_VIOLATION}"]`,
    );
    expect(tagPatterns.length).toBeGreaterThanOrEqual(2);
    for (const pattern of tagPatterns) expect(matching(pattern)).toEqual([`${TAG_VIOLATION} FORBIDDEN_TAG`]);
    // Nothing downstream should match the internal alert events by accident.
    for (const pattern of patterns) {
      expect(matching(pattern).filter((match) => match.startsWith(TOLLGATE_ALERT))).toEqual([]);
    }
  });
});
