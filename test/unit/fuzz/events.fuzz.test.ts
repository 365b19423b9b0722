import fc from 'fast-check';
import {
  EventValidationError,
  TollgateError,
  UnknownDetailTypeError,
} from '../../../shared/core/domain/errors';
import { parseEvent } from '../../../shared/core/events';
import { loadSampleEvent, sampleEventNames } from '../../helpers/shared-data';
import { FUZZ_SEED, fuzzParameters, mutated, namesPath } from './fuzz-settings';

const samples = sampleEventNames().map((name) => ({ name, event: loadSampleEvent(name) }));

/** What parseEvent may do with anything: return, or throw one of its typed errors. */
const parseOutcome = (input: unknown): { ok: true } | { ok: false; error: unknown } => {
  try {
    parseEvent(input);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
};

describe(`event parsers under hostile input (fast-check seed ${FUZZ_SEED})`, () => {
  it('every sample event parses before it is mutated', () => {
    expect(samples.length).toBeGreaterThan(0);
    for (const { event } of samples) expect(parseOutcome(event)).toEqual({ ok: true });
  });

  it(`throws only typed errors for ${fuzzParameters.numRuns} arbitrary JSON values`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const outcome = parseOutcome(input);
        if (!outcome.ok) {
          expect(outcome.error).toBeInstanceOf(TollgateError);
          expect(
            outcome.error instanceof EventValidationError || outcome.error instanceof UnknownDetailTypeError,
          ).toBe(true);
        }
      }),
      fuzzParameters,
    );
  });

  it(`a mutated sample event is parsed or refused with the field named (${fuzzParameters.numRuns} cases over ${samples.length} samples)`, () => {
    const anySample = fc.oneof(...samples.map(({ event }) => mutated(event)));
    fc.assert(
      fc.property(anySample, ({ path, input }) => {
        const outcome = parseOutcome(input);
        if (outcome.ok) return;
        const { error } = outcome;
        if (error instanceof UnknownDetailTypeError) {
          // Only a changed source or detail-type makes an event of another kind.
          expect(['source', 'detail-type']).toContain(path[0]);
          return;
        }
        expect(error).toBeInstanceOf(EventValidationError);
        const { issues } = error as EventValidationError;
        expect(issues.length).toBeGreaterThan(0);
        expect(issues.some((issue) => namesPath(issue.field, path))).toBe(true);
      }),
      fuzzParameters,
    );
  });

  it('names, tags and digests at their length limits', () => {
    const push = loadSampleEvent('ecr-image-action-push.json') as { detail: Record<string, unknown> };
    const withDetail = (detail: Record<string, unknown>) => ({
      ...push,
      detail: { ...push.detail, ...detail },
    });
    const longestRepository = `${'a'.repeat(127)}/${'b'.repeat(128)}`;
    expect(longestRepository).toHaveLength(256);
    expect(parseOutcome(withDetail({ 'repository-name': longestRepository }))).toEqual({ ok: true });
    expect(parseOutcome(withDetail({ 'image-tag': 't'.repeat(128) }))).toEqual({ ok: true });
    const refused = (detail: Record<string, unknown>): string[] => {
      const outcome = parseOutcome(withDetail(detail));
      expect(outcome.ok).toBe(false);
      return ((outcome as { error: EventValidationError }).error.issues ?? []).map((issue) => issue.field);
    };
    expect(refused({ 'repository-name': `${longestRepository}c` })).toContain('detail.repository-name');
    expect(refused({ 'image-tag': 't'.repeat(129) })).toContain('detail.image-tag');
    expect(refused({ 'repository-name': 'dépôt/ünïcode' })).toContain('detail.repository-name');
    expect(refused({ 'image-tag': 'v1\u202egpj' })).toContain('detail.image-tag');
    expect(refused({ 'image-digest': `sha256:${'A'.repeat(64)}` })).toContain('detail.image-digest');
  });
});
