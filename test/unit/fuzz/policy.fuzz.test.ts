import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { PolicyValidationError } from '../../../shared/core/domain/errors';
import { parsePolicy } from '../../../shared/core/policy';
import { FUZZ_SEED, fuzzParameters, mutated, namesPath } from './fuzz-settings';

const POLICY_TEXT = readFileSync(join(__dirname, '../../../tollgate.policy.yaml'), 'utf8');
const POLICY = parseYaml(POLICY_TEXT) as unknown;

const load = (text: string): { ok: true } | { ok: false; error: unknown } => {
  try {
    parsePolicy(text, 'fuzz.yaml');
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
};

describe(`policy loader under hostile input (fast-check seed ${FUZZ_SEED})`, () => {
  it(`refuses arbitrary text only with PolicyValidationError (${fuzzParameters.numRuns} cases)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json()), (text) => {
        const outcome = load(text);
        if (!outcome.ok) {
          expect(outcome.error).toBeInstanceOf(PolicyValidationError);
          // Every error names a field; an empty key is named `""` (this test once found it named '').
          expect((outcome.error as PolicyValidationError).field).not.toBe('');
          expect((outcome.error as PolicyValidationError).message.length).toBeGreaterThan(0);
        }
      }),
      fuzzParameters,
    );
  });

  it(`a mutated policy loads or is refused with the field named (${fuzzParameters.numRuns} cases)`, () => {
    expect(load(POLICY_TEXT)).toEqual({ ok: true });
    fc.assert(
      fc.property(mutated(POLICY), ({ path, input }) => {
        const outcome = load(JSON.stringify(input));
        if (outcome.ok) return;
        expect(outcome.error).toBeInstanceOf(PolicyValidationError);
        const { issues } = outcome.error as PolicyValidationError;
        expect(issues.some((issue) => namesPath(issue.field, path))).toBe(true);
      }),
      fuzzParameters,
    );
  });

  it('repository patterns and exception ids at large sizes and in unicode', () => {
    const policy = (match: string) => `repositories:\n  - match: ${JSON.stringify(match)}\n    mode: warn\n`;
    expect(load(policy(`${'a'.repeat(250)}/*`))).toEqual({ ok: true });
    const outcome = load(policy('x'.repeat(100_000)));
    if (!outcome.ok) expect((outcome.error as PolicyValidationError).field).toMatch(/^repositories\.0/);
    const unicode = load(policy('dépôt/*'));
    if (!unicode.ok)
      expect((unicode.error as PolicyValidationError).field).toMatch(/^repositories\.0\.match/);
  });
});
