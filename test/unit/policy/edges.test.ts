import { errorVerdict, type Digest, type Verdict } from '../../../shared/core/domain';
import { aggregateIndex, blockingRule, evaluate, isPending, resolveRules } from '../../../shared/core/policy';
import { blockedLine } from '../../../shared/core/policy/reasons';
import { NOW, finding, image, policy, scan } from './builders';

// The inputs no policy file or scan produces, but a caller of these exported functions can: each must still
// give an answer that fails closed or says plainly what it lacks.

const child = (n: number): Digest => `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest;
const INDEX = image('payments/api', `sha256:${'f'.repeat(64)}` as Digest);

describe('blockingRule with counts that do not list the severity', () => {
  it('takes a missing count as none, so a limit of 0 is not broken by it', () => {
    const rules = resolveRules(policy({ defaults: { severityLimits: { HIGH: 0 } } }).policy, 'payments/api');
    expect(blockingRule(finding('CVE-1', { severity: 'HIGH' }), rules, {})).toBeUndefined();
    expect(blockingRule(finding('CVE-1', { severity: 'HIGH' }), rules, { HIGH: 1 })).toBe('severityLimits');
  });
});

describe('resolveRules with a limit given as undefined', () => {
  it('keeps the limit it had rather than lifting it', () => {
    const loaded = policy({ defaults: { severityLimits: { HIGH: 0 } } }).policy;
    const rules = resolveRules(
      { ...loaded, repositories: [{ match: 'payments/*', severityLimits: { HIGH: undefined } }] },
      'payments/api',
    );
    expect(rules.severityLimits.HIGH).toBe(0);
  });
});

describe('blockedLine when the numbers it quotes are missing', () => {
  const rules = resolveRules(policy({ defaults: {} }).policy, 'payments/api');
  it('says "?" for a CVSS rule without a score or a limit, never a made-up number', () => {
    expect(blockedLine({ finding: finding('CVE-2'), rule: 'maxCvss' }, rules, {})).toBe(
      'CVE-2 LOW: maxCvss (CVSS ? > ?)',
    );
  });
  it('quotes 0 for a severity limit it has no count or limit for', () => {
    expect(
      blockedLine({ finding: finding('CVE-3', { severity: 'HIGH' }), rule: 'severityLimits' }, rules, {}),
    ).toBe('CVE-3 HIGH: severityLimits.HIGH (0 HIGH, limit 0)');
  });
});

describe('aggregateIndex with unusual children', () => {
  const loaded = policy({ defaults: { severityLimits: { CRITICAL: 0 } } });
  const judged = (n: number, status = 'COMPLETE', policyDoc = loaded): Verdict =>
    evaluate({
      findings: [finding(`LOW-${n}`, { severity: 'LOW' })],
      policy: policyDoc,
      image: image('payments/api', child(n)),
      now: NOW,
      scan: scan(status),
    });

  it('an ERROR child without a scan or policy digest (a scan timeout) gives the index that ERROR', () => {
    const timedOut = errorVerdict(
      image('payments/api', child(2)),
      'SCAN_TIMEOUT',
      'no scan',
      NOW.toISOString(),
    );
    const verdict = aggregateIndex(INDEX, [judged(1), timedOut], NOW);
    expect(verdict).toMatchObject({ outcome: 'ERROR', error: { code: 'SCAN_TIMEOUT' } });
    expect(verdict).not.toHaveProperty('scan');
    expect(verdict).not.toHaveProperty('policyDigest');
  });

  it('warns when the platform images were judged by different policy versions', () => {
    const other = policy({ defaults: { severityLimits: { CRITICAL: 1 } } });
    const verdict = aggregateIndex(INDEX, [judged(1), judged(2, 'COMPLETE', other)], NOW);
    expect(!isPending(verdict) && verdict.warnings).toContain(
      'platform images were judged by different policy versions',
    );
  });

  it('copes with a child verdict that carries no reason, no policy digest and a count left undefined', () => {
    const { policyDigest: _unknownPolicy, ...withoutPolicy } = judged(1);
    const bare = {
      ...withoutPolicy,
      reasons: [],
      scan: { ...scan(), severityCounts: { LOW: undefined, HIGH: 2 } },
    } as unknown as Verdict;
    const verdict = aggregateIndex(INDEX, [bare, judged(2)], NOW);
    expect(verdict).toMatchObject({ outcome: 'APPROVED' });
    // The index names no policy its first image did not name.
    expect(verdict).not.toHaveProperty('policyDigest');
    expect(!isPending(verdict) && verdict.reasons).toContain(`image ${child(1)}: APPROVED: `);
    // Summed as 0, not NaN.
    expect(!isPending(verdict) && verdict.outcome !== 'ERROR' && verdict.scan?.severityCounts).toEqual({
      LOW: 0,
      HIGH: 2,
    });
  });
});
