import fc from 'fast-check';
import type { Digest } from '../../../../shared/core/domain';
import { judge } from '../../../../cli/commands/evaluate';
import { judgementOf } from '../../../../cli/commands/evaluate-input';
import { parseImageReference } from '../../../../shared/core/gate/image-reference';
import { readScanReport, type ReportFormat } from '../../../../shared/core/findings/scanners';
import { parsePolicy, type LoadedPolicy } from '../../../../shared/core/policy';
import { FUZZ_SEED } from '../../fuzz/fuzz-settings';
import { DIGEST, IMAGE, RENDERERS, findingSpecArb, type FindingSpec } from './render';

const RUNS = 500;
const parameters = { seed: FUZZ_SEED, numRuns: RUNS } as const;
const NOW = new Date('2026-12-01T00:00:00Z');
const FORMATS: readonly ReportFormat[] = ['ecr', 'trivy', 'grype'];
const image = { ...parseImageReference(IMAGE), digest: DIGEST as Digest };

const limitArb = fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined });
const rulesArb = fc.record(
  {
    severityLimits: fc.record(
      { CRITICAL: limitArb, HIGH: limitArb, MEDIUM: limitArb, LOW: limitArb, UNDEFINED: limitArb },
      { requiredKeys: [] },
    ),
    maxCvss: fc.integer({ min: 0, max: 20 }).map((halves) => halves / 2),
    ignoreUnfixed: fc.boolean(),
    blockExploitAvailable: fc.boolean(),
  },
  { requiredKeys: [] },
);
const exceptionArb = fc.record(
  {
    id: fc.constantFrom('CVE-2026-0001', 'CVE-2026-0002', 'GHSA-xxxx-yyyy-zzzz', 'CVE-2026-9999'),
    package: fc.constantFrom('openssl', 'curl'),
    repositories: fc.constantFrom(['*'], ['team/*'], ['other/*']),
    reason: fc.constant('accepted for the test'),
    expires: fc.constantFrom('2026-11-30', '2027-06-30'),
  },
  { requiredKeys: ['id', 'reason', 'expires'] },
);
const policyArb: fc.Arbitrary<LoadedPolicy> = fc
  .record({
    defaults: rulesArb,
    exceptions: fc.array(exceptionArb, { maxLength: 3 }),
    repositories: fc.constantFrom(
      [],
      [{ match: 'team/*', mode: 'warn' }],
      [{ match: 'team/*', maxCvss: 10 }],
    ),
  })
  // JSON is YAML: the policy goes through the same parser as a policy file.
  .map((document) => parsePolicy(JSON.stringify(document)));

/** Renders the findings as `format` writes them and judges them as `tollgate evaluate --image` does. */
const verdictOf = (format: ReportFormat, specs: readonly FindingSpec[], policy: LoadedPolicy) => {
  const read = readScanReport(RENDERERS[format](specs), { format });
  return judge(judgementOf(read, { file: `${format}.json`, image }), policy, NOW).verdict;
};

/** What a verdict decides, without what differs by format (scanner name, scan time). */
const decision = (verdict: ReturnType<typeof verdictOf>) => ({
  outcome: verdict.outcome,
  mode: verdict.mode,
  reasons: verdict.reasons,
  warnings: verdict.warnings,
  ...(verdict.outcome === 'ERROR'
    ? { error: verdict.error }
    : {
        blocking: verdict.blocking,
        blockingTotal: verdict.blockingTotal,
        exceptionsApplied: verdict.exceptionsApplied,
        counts: verdict.scan.severityCounts,
      }),
});

describe(`one policy for every report (fast-check seed ${FUZZ_SEED})`, () => {
  it(`the same findings as an ECR, a Trivy or a Grype report get the same verdict (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(policyArb, fc.array(findingSpecArb, { maxLength: 40, size: 'medium' }), (policy, specs) => {
        const [ecr, trivy, grype] = FORMATS.map((format) => decision(verdictOf(format, specs, policy)));
        expect(trivy).toEqual(ecr);
        expect(grype).toEqual(ecr);
      }),
      parameters,
    );
  });

  it.each(FORMATS)(
    `a %s report with one more finding never turns REJECTED into APPROVED (${RUNS} cases)`,
    (format) => {
      fc.assert(
        fc.property(
          policyArb,
          fc.array(findingSpecArb, { maxLength: 40, size: 'medium' }),
          findingSpecArb,
          fc.nat(),
          (policy, specs, added, at) => {
            const before = verdictOf(format, specs, policy);
            fc.pre(before.outcome === 'REJECTED');
            const position = at % (specs.length + 1);
            const after = verdictOf(
              format,
              [...specs.slice(0, position), added, ...specs.slice(position)],
              policy,
            );
            expect(after.outcome).toBe('REJECTED');
            expect(after.outcome === 'REJECTED' && after.blockingTotal).toBeGreaterThanOrEqual(
              before.blockingTotal,
            );
          },
        ),
        parameters,
      );
    },
  );
});
