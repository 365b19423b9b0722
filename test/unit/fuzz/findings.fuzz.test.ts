import type { Digest } from '../../../shared/core/domain';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FindingsValidationError, parseScanFindings } from '../../../shared/core/findings';
import { parsePolicy, evaluate } from '../../../shared/core/policy';
import { FUZZ_SEED, fuzzParameters, mutated, namesPath } from './fuzz-settings';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/findings', name), 'utf8')) as unknown;
const basic = fixture('basic-complete.json') as {
  imageId: { imageDigest: string };
  imageScanFindings: { findings: Record<string, unknown>[] };
};
const POLICY = parsePolicy('defaults:\n  severityLimits: { CRITICAL: 0 }\n');
const IMAGE = {
  registry: 'r.example',
  repository: 'fuzz/app',
  digest: basic.imageId.imageDigest as Digest,
};

describe(`findings normalizer under hostile input (fast-check seed ${FUZZ_SEED})`, () => {
  it(`a mutated findings page is normalized or refused with the field named (${fuzzParameters.numRuns} cases)`, () => {
    fc.assert(
      fc.property(mutated(basic), ({ path, input }) => {
        try {
          parseScanFindings(input);
        } catch (error) {
          expect(error).toBeInstanceOf(FindingsValidationError);
          const { issues } = error as FindingsValidationError;
          expect(issues.some((issue) => namesPath(issue.field, path))).toBe(true);
        }
      }),
      fuzzParameters,
    );
  });

  it(`a CRITICAL finding with a broken field never yields findings to approve (${fuzzParameters.numRuns} cases)`, () => {
    const broken = fc.record({
      field: fc.constantFrom('severity', 'name'),
      value: fc.oneof(
        fc.constant(null),
        fc.integer(),
        fc.constant(''),
        fc.string({ unit: 'binary', maxLength: 20 }),
      ),
    });
    fc.assert(
      fc.property(broken, fc.nat({ max: 20 }), ({ field, value }, position) => {
        const findings = [...basic.imageScanFindings.findings];
        const at = Math.min(position, findings.length);
        findings.splice(at, 0, {
          name: 'CVE-2024-3094',
          severity: 'CRITICAL',
          uri: 'https://x',
          attributes: [],
          [field]: value,
        });
        const page = { ...basic, imageScanFindings: { ...basic.imageScanFindings, findings } };
        let parsed: ReturnType<typeof parseScanFindings>;
        try {
          parsed = parseScanFindings(page);
        } catch (error) {
          expect(error).toBeInstanceOf(FindingsValidationError);
          expect((error as FindingsValidationError).issues.map((issue) => issue.field)).toContain(
            `imageScanFindings.findings.${at}.${field}`,
          );
          return;
        }
        // A value the schema accepts (a name that is any string): the CRITICAL severity stays, so never APPROVED.
        const verdict = evaluate({
          findings: parsed.findings,
          policy: POLICY,
          image: IMAGE,
          now: new Date(),
          scan: parsed.scan,
        });
        expect(verdict.outcome).not.toBe('APPROVED');
      }),
      fuzzParameters,
    );
  });

  it('10,000 findings with 10 kB descriptions are normalized and judged', () => {
    const findings = Array.from({ length: 10_000 }, (_, index) => ({
      name: `CVE-2026-${index}`,
      description: `∆ ${'é'.repeat(10_000)}`,
      uri: `https://cve.example/${index}`,
      severity: index === 9_999 ? 'CRITICAL' : 'LOW',
      attributes: [{ key: 'package_name', value: `pkg-${index}` }],
    }));
    const page = { ...basic, imageScanFindings: { ...basic.imageScanFindings, findings } };
    const parsed = parseScanFindings(page);
    expect(parsed.findings).toHaveLength(10_000);
    const verdict = evaluate({
      findings: parsed.findings,
      policy: POLICY,
      image: IMAGE,
      now: new Date(),
      scan: parsed.scan,
    });
    expect(verdict.outcome).toBe('REJECTED');
  });
});
