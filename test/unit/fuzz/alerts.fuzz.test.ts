import fc from 'fast-check';
import {
  renderJson,
  renderSlack,
  renderText,
  verdictAlert,
  verdictAlertInputSchema,
} from '../../../shared/app/alerts';
import { NOW, verdictDetail } from '../alerts/fixtures';
import { FUZZ_SEED, fuzzParameters, mutated, namesPath } from './fuzz-settings';

const DETAIL = verdictDetail() as unknown;

describe(`alert formatters under hostile input (fast-check seed ${FUZZ_SEED})`, () => {
  it(`a mutated verdict is formatted for every channel, or refused with the field named (${fuzzParameters.numRuns} cases)`, () => {
    fc.assert(
      fc.property(mutated(DETAIL), ({ path, input }) => {
        const parsed = verdictAlertInputSchema.safeParse(input);
        if (!parsed.success) {
          const fields = parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(root)');
          expect(fields.some((field) => namesPath(field, path))).toBe(true);
          return;
        }
        const alert = verdictAlert(parsed.data, {
          now: NOW,
          origin: { account: '123456789012', region: 'us-west-2' },
        });
        const text = renderText(alert);
        expect(text.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
        // A hostile value never forges an approval: the subject starts with the verdict the detail really has.
        expect(text.subject.startsWith(`Tollgate ${parsed.data.verdict} `)).toBe(true);
        if (parsed.data.verdict !== 'APPROVED') expect(text.subject).not.toMatch(/^Tollgate APPROVED/);
        expect(() => renderSlack(alert)).not.toThrow();
        expect(() => JSON.stringify(renderJson(alert))).not.toThrow();
      }),
      fuzzParameters,
    );
  });

  it('tags and repository names at their length limits, in unicode, with 10,000 blocking findings', () => {
    const detail = {
      ...(DETAIL as Record<string, unknown>),
      image: {
        ...(DETAIL as { image: Record<string, unknown> }).image,
        repository: `${'ä'.repeat(127)}/${'b'.repeat(128)}`,
        tags: ['t'.repeat(128), '\u202egpj.exe', '<!channel>'],
      },
      blocking: Array.from({ length: 10_000 }, (_, index) => ({
        id: `CVE-2026-${index}`,
        severity: 'CRITICAL',
        package: `${'p'.repeat(10_000)}${index}`,
      })),
      blockingTotal: 10_000,
    };
    const alert = verdictAlert(verdictAlertInputSchema.parse(detail), { now: NOW });
    const text = renderText(alert);
    expect(text.subject.length).toBeLessThanOrEqual(100);
    expect(text.body.length).toBeLessThan(200_000);
    expect(JSON.stringify(renderSlack(alert)).length).toBeLessThan(200_000);
  });
});
