import type { Finding, Severity, Verdict } from '../../../shared/core/domain';
import {
  MAX_BLOCKING_LISTED,
  evaluate,
  evaluateDetailed,
  type EvaluateInput,
} from '../../../shared/core/policy';
import { NOW, finding, image, policy, scan } from './builders';

const judge = (overrides: Partial<EvaluateInput> & { readonly findings: readonly Finding[] }) =>
  evaluateDetailed({ policy: policy({}), image: image(), now: NOW, scan: scan(), ...overrides });

const blockingIds = (verdict: Verdict): string[] =>
  verdict.outcome === 'ERROR' ? [] : verdict.blocking.map((entry) => `${entry.id}:${entry.rule}`);

describe('evaluate: scan status', () => {
  it.each([
    'FAILED',
    'UNSUPPORTED_IMAGE',
    'FINDINGS_UNAVAILABLE',
    'SCAN_ELIGIBILITY_EXPIRED',
    'LIMIT_EXCEEDED',
    'IN_PROGRESS',
    'PENDING',
  ])('fails closed on %s, naming it', (status) => {
    const verdict = evaluate({
      findings: [],
      policy: policy({}),
      image: image(),
      now: NOW,
      scan: scan(status),
    });
    expect(verdict.outcome).toBe('ERROR');
    if (verdict.outcome !== 'ERROR') return;
    expect(verdict.error.code).toBe('SCAN_FAILED');
    expect(verdict.error.message).toContain(status);
    expect(verdict.scan?.status).toBe(status);
    expect(verdict.policyDigest).toMatch(/^sha256:/);
  });

  it.each(['COMPLETE', 'INITIAL_SCAN_COMPLETE', 'ACTIVE'])('judges the findings of a %s scan', (status) => {
    expect(judge({ findings: [], scan: scan(status) }).verdict.outcome).toBe('APPROVED');
  });

  it('takes the complete statuses from the policy', () => {
    const strict = policy({ defaults: { completeStatuses: ['COMPLETE'] } });
    expect(judge({ findings: [], policy: strict, scan: scan('ACTIVE') }).verdict.outcome).toBe('ERROR');
    expect(judge({ findings: [], policy: strict, scan: scan('COMPLETE') }).verdict.outcome).toBe('APPROVED');
  });

  it('stays an ERROR in warn mode: warn relaxes the rules, not the need for a scan', () => {
    const warn = policy({ repositories: [{ match: '*', mode: 'warn' }] });
    const verdict = judge({ findings: [], policy: warn, scan: scan('FAILED') }).verdict;
    expect(verdict).toMatchObject({ outcome: 'ERROR', mode: 'warn' });
  });
});

describe('evaluate: rules', () => {
  it('approves when nothing breaks the policy, naming the policy and the time', () => {
    const loaded = policy({ defaults: { severityLimits: { CRITICAL: 0 } } });
    const verdict = evaluate({
      findings: [finding('CVE-1')],
      policy: loaded,
      image: image(),
      now: NOW,
      scan: scan(),
    });
    expect(verdict).toMatchObject({
      outcome: 'APPROVED',
      mode: 'enforce',
      blocking: [],
      blockingTotal: 0,
      policyDigest: loaded.digest,
      decidedAt: NOW.toISOString(),
      schemaVersion: '1.0',
    });
  });

  it('blocks every finding of a severity over its limit, and none at the limit', () => {
    const loaded = policy({ defaults: { severityLimits: { HIGH: 2, MEDIUM: 1 } } });
    const findings = [
      finding('H1', { severity: 'HIGH' }),
      finding('H2', { severity: 'HIGH' }),
      finding('M1', { severity: 'MEDIUM' }),
      finding('M2', { severity: 'MEDIUM' }),
      finding('C1', { severity: 'CRITICAL' }),
    ];
    const { verdict } = judge({ findings, policy: loaded });
    expect(verdict.outcome).toBe('REJECTED');
    // HIGH is at its limit; CRITICAL has none, so it is unlimited.
    expect(blockingIds(verdict)).toEqual(['M1:severityLimits.MEDIUM', 'M2:severityLimits.MEDIUM']);
    expect(verdict.reasons.join('\n')).toContain('M1 MEDIUM: severityLimits.MEDIUM (2 MEDIUM, limit 1)');
  });

  it('blocks a finding scored above maxCvss, not one at it, nor one without a score', () => {
    const loaded = policy({ defaults: { maxCvss: 7 } });
    const findings = [
      finding('above', { cvss: { score: 7.1 } }),
      finding('at', { cvss: { score: 7 } }),
      finding('unscored'),
    ];
    expect(blockingIds(judge({ findings, policy: loaded }).verdict)).toEqual(['above:maxCvss']);
  });

  it('blocks a finding with a known exploit only when blockExploitAvailable is on', () => {
    const findings = [
      finding('exploited', { exploitAvailable: 'YES' }),
      finding('not', { exploitAvailable: 'NO' }),
    ];
    const on = policy({ defaults: { blockExploitAvailable: true } });
    expect(blockingIds(judge({ findings, policy: on }).verdict)).toEqual(['exploited:blockExploitAvailable']);
    expect(judge({ findings, policy: policy({}) }).verdict.outcome).toBe('APPROVED');
  });

  it('blocks a finding once, by the first rule that catches it', () => {
    const loaded = policy({
      defaults: { severityLimits: { CRITICAL: 0 }, maxCvss: 9, blockExploitAvailable: true },
    });
    const findings = [
      finding('all-three', { severity: 'CRITICAL', cvss: { score: 9.8 }, exploitAvailable: 'YES' }),
      finding('cvss-and-exploit', { severity: 'HIGH', cvss: { score: 9.5 }, exploitAvailable: 'YES' }),
    ];
    const { verdict } = judge({ findings, policy: loaded });
    expect(blockingIds(verdict)).toEqual(['all-three:severityLimits.CRITICAL', 'cvss-and-exploit:maxCvss']);
    expect(verdict.outcome !== 'ERROR' && verdict.blockingTotal).toBe(2);
  });

  it('lists blocking findings most severe first and records their package', () => {
    const loaded = policy({ defaults: { maxCvss: 0 } });
    const findings = [
      finding('low', { severity: 'LOW', cvss: { score: 1 } }),
      finding('crit', {
        severity: 'CRITICAL',
        cvss: { score: 9 },
        package: { name: 'openssl', version: '3' },
      }),
    ];
    const { verdict } = judge({ findings, policy: loaded });
    expect(verdict.outcome !== 'ERROR' && verdict.blocking).toEqual([
      { id: 'crit', severity: 'CRITICAL', package: 'openssl', rule: 'maxCvss' },
      { id: 'low', severity: 'LOW', rule: 'maxCvss' },
    ]);
  });

  it(`lists at most ${MAX_BLOCKING_LISTED} blocking findings and counts them all`, () => {
    const loaded = policy({ defaults: { severityLimits: { HIGH: 0 } } });
    const findings = Array.from({ length: 120 }, (_, index) => finding(`CVE-${index}`, { severity: 'HIGH' }));
    const { verdict } = judge({ findings, policy: loaded });
    if (verdict.outcome !== 'REJECTED') throw new Error('expected REJECTED');
    expect(verdict.blocking).toHaveLength(MAX_BLOCKING_LISTED);
    expect(verdict.blockingTotal).toBe(120);
    expect(verdict.blocking[0]?.id).toBe('CVE-0');
    expect(verdict.reasons[0]).toContain('120 findings break the policy');
    expect(verdict.reasons).toContain('… and 70 more');
    expect(verdict.reasons.filter((line) => line.includes('severityLimits.HIGH'))).toHaveLength(
      MAX_BLOCKING_LISTED,
    );
  });
});

describe('evaluate: ignoreUnfixed', () => {
  const findings = [
    finding('no-fix', { severity: 'HIGH', fixAvailable: 'NO' }),
    finding('partial', { severity: 'HIGH', fixAvailable: 'PARTIAL' }),
    finding('fixed', { severity: 'HIGH', fixAvailable: 'YES' }),
    finding('unknown', { severity: 'HIGH' }),
  ];

  it('does not count findings without a fix, and still counts PARTIAL and unknown ones', () => {
    const loaded = policy({ defaults: { severityLimits: { HIGH: 0 }, ignoreUnfixed: true } });
    const { verdict } = judge({ findings, policy: loaded });
    expect(blockingIds(verdict)).toEqual([
      'partial:severityLimits.HIGH',
      'fixed:severityLimits.HIGH',
      'unknown:severityLimits.HIGH',
    ]);
    expect(verdict.reasons[0]).toContain('3 counted, 0 waived by exceptions, 1 unfixed ignored');
  });

  it('keeps unfixed findings out of the severity counts, so they cannot push others over a limit', () => {
    const loaded = policy({ defaults: { severityLimits: { HIGH: 3 }, ignoreUnfixed: true } });
    expect(judge({ findings, policy: loaded }).verdict.outcome).toBe('APPROVED');
    const counting = policy({ defaults: { severityLimits: { HIGH: 3 } } });
    expect(judge({ findings, policy: counting }).verdict.outcome).toBe('REJECTED');
  });

  it('ignores unfixed findings for every rule, not only the limits', () => {
    const loaded = policy({ defaults: { maxCvss: 5, blockExploitAvailable: true, ignoreUnfixed: true } });
    const unfixed = [finding('x', { fixAvailable: 'NO', cvss: { score: 9.9 }, exploitAvailable: 'YES' })];
    expect(judge({ findings: unfixed, policy: loaded }).verdict.outcome).toBe('APPROVED');
  });
});

describe('evaluate: exceptions', () => {
  const openssl = finding('CVE-2026-12345', {
    severity: 'CRITICAL',
    package: { name: 'openssl', version: '3.0.15' },
  });
  const curl = finding('CVE-2026-12345', { severity: 'CRITICAL', package: { name: 'curl' } });
  const exception = {
    id: 'CVE-2026-12345',
    package: 'openssl',
    repositories: ['payments/*'],
    reason: 'Not reachable',
    expires: '2026-12-01',
  };
  const limits = { severityLimits: { CRITICAL: 0 } };
  const withException = (overrides: Partial<typeof exception> = {}) =>
    policy({ defaults: limits, exceptions: [{ ...exception, ...overrides }] });

  it('waives the matching finding, reporting it with its count', () => {
    const { verdict, staleExceptions, expiredExceptions } = judge({
      findings: [openssl],
      policy: withException(),
    });
    expect(verdict.outcome).toBe('APPROVED');
    expect(verdict.outcome !== 'ERROR' && verdict.exceptionsApplied).toEqual([
      {
        id: 'CVE-2026-12345',
        package: 'openssl',
        reason: 'Not reachable',
        expires: '2026-12-01',
        matched: 1,
      },
    ]);
    expect(verdict.reasons).toContain(
      'exception CVE-2026-12345 (openssl) waived 1 finding until 2026-12-01: Not reachable',
    );
    expect(staleExceptions).toEqual([]);
    expect(expiredExceptions).toEqual([]);
  });

  it('applies through the last second of its expiry day, UTC, and not after', () => {
    const lastSecond = new Date('2026-12-01T23:59:59.999Z');
    const nextDay = new Date('2026-12-02T00:00:00Z');
    expect(judge({ findings: [openssl], policy: withException(), now: lastSecond }).verdict.outcome).toBe(
      'APPROVED',
    );
    expect(judge({ findings: [openssl], policy: withException(), now: nextDay }).verdict.outcome).toBe(
      'REJECTED',
    );
  });

  it('reports an expired exception that would have matched, and does not apply it', () => {
    const now = new Date('2026-12-02T08:00:00Z');
    const { verdict, expiredExceptions, staleExceptions } = judge({
      findings: [openssl],
      policy: withException(),
      now,
    });
    expect(verdict.outcome).toBe('REJECTED');
    expect(verdict.outcome !== 'ERROR' && verdict.exceptionsApplied).toEqual([]);
    expect(expiredExceptions).toEqual([
      {
        id: 'CVE-2026-12345',
        package: 'openssl',
        reason: 'Not reachable',
        expires: '2026-12-01',
        matched: 1,
      },
    ]);
    const line = 'exception CVE-2026-12345 (openssl) expired on 2026-12-01 and no longer waives 1 finding';
    expect(verdict.reasons).toContain(line);
    expect(verdict.warnings).toContain(line);
    expect(staleExceptions).toEqual([]);
  });

  it('does not apply, nor report, an exception scoped to another repository', () => {
    const other = judge({ findings: [openssl], policy: withException(), image: image('web/frontend') });
    expect(other.verdict.outcome).toBe('REJECTED');
    expect(other.staleExceptions).toEqual([]);
    expect(other.verdict.warnings).toEqual([]);
  });

  it('only waives the package it names', () => {
    const { verdict } = judge({ findings: [openssl, curl], policy: withException() });
    expect(blockingIds(verdict)).toEqual(['CVE-2026-12345:severityLimits.CRITICAL']);
    expect(verdict.outcome !== 'ERROR' && verdict.blocking[0]?.package).toBe('curl');
  });

  it('waives every package when it names none', () => {
    const loaded = policy({ defaults: limits, exceptions: [{ ...exception, package: undefined }] });
    const { verdict } = judge({ findings: [openssl, curl], policy: loaded });
    expect(verdict.outcome).toBe('APPROVED');
    expect(verdict.outcome !== 'ERROR' && verdict.exceptionsApplied[0]?.matched).toBe(2);
  });

  it('does not waive a finding without a package when it names one', () => {
    const bare = finding('CVE-2026-12345', { severity: 'CRITICAL' });
    expect(judge({ findings: [bare], policy: withException() }).verdict.outcome).toBe('REJECTED');
  });

  it('reports an exception that matches nothing as stale', () => {
    const { verdict, staleExceptions } = judge({ findings: [curl], policy: withException() });
    expect(staleExceptions).toEqual([
      {
        id: 'CVE-2026-12345',
        package: 'openssl',
        reason: 'Not reachable',
        expires: '2026-12-01',
        expired: false,
      },
    ]);
    expect(verdict.warnings).toContain(
      'exception CVE-2026-12345 (openssl) matches no finding in payments/api: remove it or correct it',
    );
  });

  it('reports a stale exception that has also expired as such', () => {
    const now = new Date('2027-06-01T00:00:00Z');
    const { verdict, staleExceptions } = judge({ findings: [], policy: withException(), now });
    expect(staleExceptions[0]?.expired).toBe(true);
    expect(verdict.warnings[0]).toContain('and expired on 2026-12-01');
  });

  it('credits every exception that matches a finding', () => {
    const loaded = policy({
      defaults: limits,
      exceptions: [exception, { ...exception, package: undefined, reason: 'Wider' }],
    });
    const { verdict } = judge({ findings: [openssl], policy: loaded });
    expect(
      verdict.outcome !== 'ERROR' && verdict.exceptionsApplied.map((applied) => applied.matched),
    ).toEqual([1, 1]);
  });
});

describe('evaluate: warn mode', () => {
  const loaded = policy({
    defaults: { severityLimits: { CRITICAL: 0 } },
    exceptions: [{ id: 'CVE-gone', reason: 'r', expires: '2027-01-01' }],
    repositories: [{ match: 'sandbox/*', mode: 'warn' }],
  });
  const findings = [finding('CVE-9', { severity: 'CRITICAL', package: { name: 'glibc' } })];

  it('approves, but lists the violations as warnings and keeps the blocking list', () => {
    const { verdict } = judge({ findings, policy: loaded, image: image('sandbox/tool') });
    if (verdict.outcome !== 'APPROVED') throw new Error('expected APPROVED');
    expect(verdict.mode).toBe('warn');
    expect(verdict.blocking).toEqual([
      { id: 'CVE-9', severity: 'CRITICAL', package: 'glibc', rule: 'severityLimits.CRITICAL' },
    ]);
    expect(verdict.blockingTotal).toBe(1);
    expect(verdict.reasons[0]).toContain('warn mode: 1 finding breaks the policy; approved anyway');
    expect(verdict.warnings).toContain(
      'CVE-9 CRITICAL in glibc: severityLimits.CRITICAL (1 CRITICAL, limit 0)',
    );
    expect(verdict.warnings.some((line) => line.includes('CVE-gone'))).toBe(true);
  });

  it('rejects the same findings in enforce mode', () => {
    const { verdict } = judge({ findings, policy: loaded, image: image('payments/api') });
    expect(verdict).toMatchObject({ outcome: 'REJECTED', mode: 'enforce' });
    expect(verdict.warnings.some((line) => line.includes('CVE-9'))).toBe(false);
  });
});

describe('evaluate: severity coverage', () => {
  it.each<Severity>(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED', 'UNDEFINED'])(
    'honours a limit on %s',
    (severity) => {
      const loaded = policy({ defaults: { severityLimits: { [severity]: 0 } } });
      const { verdict } = judge({ findings: [finding('x', { severity })], policy: loaded });
      expect(blockingIds(verdict)).toEqual([`x:severityLimits.${severity}`]);
    },
  );
});
