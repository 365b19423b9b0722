import fc from 'fast-check';
import { SEVERITIES, type Finding, type Verdict } from '../../../shared/core/domain';
import { evaluate, type LoadedPolicy } from '../../../shared/core/policy';
import { NOW, image, policy, scan } from './builders';

// Fixed, and printed, so a failure can be replayed exactly: fc.assert(..., { seed }).
const SEED = 20261201;
const RUNS = 300;
beforeAll(() => {
  process.stdout.write(`fast-check seed ${SEED}\n`);
});

const findingArb: fc.Arbitrary<Finding> = fc.record(
  {
    id: fc.constantFrom('CVE-1', 'CVE-2', 'CVE-3', 'CVE-4', 'CVE-5'),
    severity: fc.constantFrom(...SEVERITIES),
    cvss: fc.record({ score: fc.integer({ min: 0, max: 100 }).map((tenths) => tenths / 10) }),
    package: fc.record({ name: fc.constantFrom('openssl', 'curl', 'zlib') }),
    fixAvailable: fc.constantFrom('YES' as const, 'NO' as const, 'PARTIAL' as const),
    exploitAvailable: fc.constantFrom('YES' as const, 'NO' as const),
  },
  { requiredKeys: ['id', 'severity'] },
);

const limitArb = fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined });
const rulesArb = fc.record(
  {
    severityLimits: fc.record({ CRITICAL: limitArb, HIGH: limitArb, MEDIUM: limitArb, LOW: limitArb }),
    maxCvss: fc.integer({ min: 0, max: 100 }).map((tenths) => tenths / 10),
    ignoreUnfixed: fc.boolean(),
    blockExploitAvailable: fc.boolean(),
  },
  { requiredKeys: [] },
);
const exceptionArb = fc.record(
  {
    id: fc.constantFrom('CVE-1', 'CVE-2', 'CVE-9'),
    package: fc.constantFrom('openssl', 'curl'),
    repositories: fc.constantFrom(['*'], ['payments/*'], ['web/*']),
    reason: fc.constant('accepted'),
    expires: fc.constantFrom('2026-11-30', '2026-12-01', '2027-06-30'),
  },
  { requiredKeys: ['id', 'reason', 'expires'] },
);

const policyArb: fc.Arbitrary<LoadedPolicy> = fc
  .record({ defaults: rulesArb, exceptions: fc.array(exceptionArb, { maxLength: 3 }) })
  .map((document) => policy(JSON.parse(JSON.stringify(document)) as unknown));

const judge = (findings: readonly Finding[], loaded: LoadedPolicy): Verdict =>
  evaluate({ findings, policy: loaded, image: image('payments/api'), now: NOW, scan: scan() });

describe('evaluate properties', () => {
  it('never turns REJECTED into APPROVED when a finding is added', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(findingArb, { maxLength: 30 }),
        findingArb,
        fc.nat(),
        (loaded, findings, added, at) => {
          const before = judge(findings, loaded);
          fc.pre(before.outcome === 'REJECTED');
          const position = at % (findings.length + 1);
          const after = judge([...findings.slice(0, position), added, ...findings.slice(position)], loaded);
          expect(after.outcome).toBe('REJECTED');
          expect(after.outcome !== 'ERROR' && after.blockingTotal).toBeGreaterThanOrEqual(
            before.blockingTotal,
          );
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('an exception only ever removes the findings it matches', () => {
    fc.assert(
      fc.property(
        rulesArb,
        fc.array(findingArb, { maxLength: 30 }),
        exceptionArb.filter((exception) => exception.expires === '2027-06-30'),
        (rules, findings, exception) => {
          const before = judge(findings, policy({ defaults: rules }));
          const after = judge(findings, policy({ defaults: rules, exceptions: [exception] }));
          const inScope = exception.repositories?.[0] !== 'web/*';
          const matches = (entry: { id: string; package?: string }): boolean =>
            inScope &&
            entry.id === exception.id &&
            (exception.package === undefined || entry.package === exception.package);

          // Nothing is refused because of it...
          expect(isSubBag(blocking(after), blocking(before))).toBe(true);
          // ...nothing it matches is refused at all...
          expect(blocking(after).filter((key) => matches(parseKey(key)))).toEqual([]);
          // ...and where no count limit links findings, everything else blocks exactly as before.
          if (Object.values(rules.severityLimits ?? {}).every((limit) => limit === undefined)) {
            expect(blocking(after)).toEqual(blocking(before).filter((key) => !matches(parseKey(key))));
          }
          const waived = findings.filter((entry) =>
            matches({ id: entry.id, ...(entry.package ? { package: entry.package.name } : {}) }),
          );
          expect(
            after.outcome !== 'ERROR' && after.exceptionsApplied.reduce((sum, a) => sum + a.matched, 0),
          ).toBe(waived.length);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

// Blocking entries as a sorted bag of keys: findings with the same id, package and severity are alike to every rule.
const blocking = (verdict: Verdict): string[] =>
  verdict.outcome === 'ERROR'
    ? []
    : verdict.blocking.map((entry) => `${entry.id}|${entry.package ?? ''}|${entry.severity}`).sort();

const parseKey = (key: string): { id: string; package?: string } => {
  const [id = '', pkg = ''] = key.split('|');
  return pkg === '' ? { id } : { id, package: pkg };
};

const isSubBag = (small: readonly string[], big: readonly string[]): boolean => {
  const left = [...big];
  return small.every((key) => {
    const index = left.indexOf(key);
    if (index === -1) return false;
    left.splice(index, 1);
    return true;
  });
};
