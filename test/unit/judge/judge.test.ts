import type { Finding, ImageRecord, Verdict } from '../../../shared/core/domain';
import {
  FAILED_SCAN_STATUSES,
  findingsFingerprint,
  judge,
  type JudgeDecision,
  type RecordedVerdict,
  type ScanObservation,
} from '../../../shared/app/judge';
import {
  CRITICAL,
  DIGEST,
  LATER,
  LOW,
  NOW,
  POLICY,
  basicFinding,
  digestOf,
  imageRef,
  page,
  policyOf,
  record,
  scanOf,
} from './builders';

const scanned = (...pages: Record<string, unknown>[]): ScanObservation => ({
  kind: 'scan',
  scan: scanOf(...pages),
});

const verdictOf = (decision: JudgeDecision): RecordedVerdict => {
  if (decision.kind !== 'decide' && decision.kind !== 'unchanged') {
    throw new Error(`expected a verdict, got ${decision.kind}`);
  }
  return decision.verdict;
};

/** The record as the store returns it after saving `decision`. */
const decided = (decision: JudgeDecision, base: ImageRecord = record()): ImageRecord => ({
  ...base,
  status: 'DECIDED',
  verdict: verdictOf(decision),
  version: base.version + 1,
});

describe('judge: a complete scan', () => {
  it('approves an image whose findings break no rule, recording what it judged', () => {
    const decision = judge(record(), scanned(page({ findings: [LOW] })), POLICY, NOW);
    expect(decision.kind).toBe('decide');
    const verdict = verdictOf(decision);
    expect(verdict).toMatchObject({
      outcome: 'APPROVED',
      mode: 'enforce',
      image: imageRef(),
      decidedAt: NOW.toISOString(),
      policyDigest: POLICY.digest,
      scan: { scanner: 'ECR_BASIC', status: 'COMPLETE', severityCounts: { LOW: 1 } },
      blockingTotal: 0,
    });
    expect(verdict.findingsFingerprint).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(verdict.staleExceptions).toEqual([
      expect.objectContaining({ id: 'CVE-2026-0001', expired: false }),
    ]);
    expect(verdict).not.toHaveProperty('expiredExceptions');
  });

  it('rejects an image with a blocking finding, listing it and the rule', () => {
    const verdict = verdictOf(judge(record(), scanned(page({ findings: [CRITICAL, LOW] })), POLICY, NOW));
    expect(verdict.outcome).toBe('REJECTED');
    if (verdict.outcome !== 'REJECTED') return;
    expect(verdict.blocking).toEqual([
      { id: 'CVE-2026-9999', severity: 'CRITICAL', package: 'openssl', rule: 'severityLimits.CRITICAL' },
    ]);
    expect(verdict.blockingTotal).toBe(1);
  });

  it('judges the findings of every page together', () => {
    const verdict = verdictOf(
      judge(
        record(),
        scanned(page({ findings: [LOW], nextToken: 't1' }), page({ findings: [CRITICAL] })),
        POLICY,
        NOW,
      ),
    );
    expect(verdict).toMatchObject({ outcome: 'REJECTED', scan: { severityCounts: { LOW: 1, CRITICAL: 1 } } });
  });

  it('approves in warn mode, carrying every violation as a warning', () => {
    const sandbox = record({ image: imageRef('sandbox/tool') });
    const verdict = verdictOf(
      judge(sandbox, scanned(page({ repository: 'sandbox/tool', findings: [CRITICAL] })), POLICY, NOW),
    );
    expect(verdict).toMatchObject({ outcome: 'APPROVED', mode: 'warn', blockingTotal: 1 });
    expect(verdict.warnings.join('\n')).toContain('CVE-2026-9999');
    expect(verdict).not.toHaveProperty('staleExceptions');
  });

  it('reports an exception that expired, and no longer applies it', () => {
    const excepted = basicFinding({ name: 'CVE-2026-0001', severity: 'CRITICAL', pkg: 'libc' });
    const verdict = verdictOf(
      judge(record(), scanned(page({ findings: [excepted] })), POLICY, new Date('2027-03-01')),
    );
    expect(verdict.outcome).toBe('REJECTED');
    expect(verdict.expiredExceptions).toEqual([expect.objectContaining({ id: 'CVE-2026-0001', matched: 1 })]);
    expect(verdict).not.toHaveProperty('staleExceptions');
  });
});

describe('judge: fail closed', () => {
  it.each(FAILED_SCAN_STATUSES)(
    'gives ERROR for a %s scan, naming the status and its description',
    (status) => {
      const verdict = verdictOf(
        judge(
          record(),
          scanned(page({ status, description: 'The operating system is not supported' })),
          POLICY,
          NOW,
        ),
      );
      expect(verdict).toMatchObject({
        outcome: 'ERROR',
        error: {
          code: 'SCAN_FAILED',
          message: `scan status ${status}: The operating system is not supported`,
        },
        scan: { status },
        policyDigest: POLICY.digest,
      });
    },
  );

  it('gives ERROR for a failed scan even when the policy calls the status complete', () => {
    const lax = policyOf({ defaults: { completeStatuses: ['COMPLETE', 'FAILED'] } });
    const verdict = verdictOf(judge(record(), scanned(page({ status: 'FAILED' })), lax, NOW));
    expect(verdict).toMatchObject({ outcome: 'ERROR', error: { message: 'scan status FAILED' } });
  });

  it('keeps the repository mode on an ERROR', () => {
    const sandbox = record({ image: imageRef('sandbox/tool') });
    const verdict = verdictOf(
      judge(sandbox, scanned(page({ repository: 'sandbox/tool', status: 'FAILED' })), POLICY, NOW),
    );
    expect(verdict).toMatchObject({ outcome: 'ERROR', mode: 'warn' });
  });

  it.each(['IN_PROGRESS', 'PENDING'])('decides nothing while the scan is %s', (status) => {
    expect(judge(record(), scanned(page({ status })), POLICY, NOW)).toEqual({
      kind: 'wait',
      reason: 'scan-in-progress',
      status,
      message: `scan status ${status}: the findings are not final yet`,
    });
  });

  it('refuses to judge findings whose last page names a next one', () => {
    const verdict = verdictOf(judge(record(), scanned(page({ nextToken: 'more' })), POLICY, NOW));
    expect(verdict).toMatchObject({ outcome: 'ERROR', error: { code: 'MALFORMED_INPUT' } });
    expect(verdict).not.toHaveProperty('findingsFingerprint');
  });

  it('gives ERROR when there is no scan and the event reported a failed one', () => {
    const verdict = verdictOf(
      judge(
        record(),
        { kind: 'no-scan', status: 'UNSUPPORTED_IMAGE', message: 'no scan found' },
        POLICY,
        NOW,
      ),
    );
    expect(verdict).toMatchObject({
      outcome: 'ERROR',
      error: { code: 'SCAN_FAILED', message: 'scan status UNSUPPORTED_IMAGE: no scan found' },
    });
    expect(verdict).not.toHaveProperty('scan');
  });

  it.each([
    [undefined, {}],
    ['COMPLETE', { status: 'COMPLETE' }],
  ])('waits when there is no scan yet (event status %s)', (status, expected) => {
    const observation: ScanObservation =
      status === undefined
        ? { kind: 'no-scan', message: 'none' }
        : { kind: 'no-scan', status, message: 'none' };
    expect(judge(record(), observation, POLICY, NOW)).toEqual({
      kind: 'wait',
      reason: 'no-scan',
      message: 'none',
      ...expected,
    });
  });

  it('gives ERROR for an unreadable scan result, and the same one twice changes nothing', () => {
    const observation: ScanObservation = {
      kind: 'unreadable',
      message: 'imageScanFindings.findings.0.severity: bad',
    };
    const first = judge(record(), observation, POLICY, NOW);
    expect(verdictOf(first)).toMatchObject({
      outcome: 'ERROR',
      error: { code: 'MALFORMED_INPUT', message: 'imageScanFindings.findings.0.severity: bad' },
    });
    expect(judge(decided(first), observation, POLICY, LATER).kind).toBe('unchanged');
  });

  it('skips a deleted image', () => {
    expect(judge(record({ status: 'DELETED' }), scanned(page()), POLICY, NOW)).toEqual({
      kind: 'skip',
      reason: 'deleted',
    });
  });
});

describe('judge: late and duplicate events', () => {
  it('changes nothing for the same findings in another order, even later', () => {
    const first = judge(record(), scanned(page({ findings: [CRITICAL, LOW] })), POLICY, NOW);
    const again = judge(decided(first), scanned(page({ findings: [LOW, CRITICAL] })), POLICY, LATER);
    expect(again).toEqual({ kind: 'unchanged', verdict: verdictOf(first) });
  });

  it('changes nothing for a duplicate FAILED event', () => {
    const first = judge(record(), scanned(page({ status: 'FAILED' })), POLICY, NOW);
    expect(judge(decided(first), scanned(page({ status: 'FAILED' })), POLICY, LATER).kind).toBe('unchanged');
  });

  it('judges again when the findings changed', () => {
    const first = judge(record(), scanned(page({ findings: [LOW] })), POLICY, NOW);
    const second = judge(
      decided(first),
      scanned(page({ findings: [LOW, basicFinding({ name: 'CVE-2026-2222', severity: 'MEDIUM' })] })),
      POLICY,
      LATER,
    );
    expect(second.kind).toBe('decide');
    expect(verdictOf(second).decidedAt).toBe(LATER.toISOString());
  });

  it('judges again under another policy', () => {
    const first = judge(record(), scanned(page({ findings: [CRITICAL] })), POLICY, NOW);
    const lenient = policyOf({});
    const second = judge(decided(first), scanned(page({ findings: [CRITICAL] })), lenient, LATER);
    // Approved under a policy that allows it; REJECTED → APPROVED is no revocation.
    expect(verdictOf(second)).toMatchObject({ outcome: 'APPROVED', policyDigest: lenient.digest });
  });

  it('judges a recorded verdict without a fingerprint (e.g. SCAN_TIMEOUT) again', () => {
    const timedOut: Verdict = {
      schemaVersion: '1.0',
      outcome: 'ERROR',
      image: imageRef(),
      mode: 'enforce',
      reasons: ['SCAN_TIMEOUT: no scan result'],
      warnings: [],
      decidedAt: NOW.toISOString(),
      error: { code: 'SCAN_TIMEOUT', message: 'no scan result' },
    };
    const decision = judge(record({ status: 'DECIDED', verdict: timedOut }), scanned(page()), POLICY, LATER);
    expect(verdictOf(decision).outcome).toBe('APPROVED');
  });
});

describe('judge: re-evaluation', () => {
  const reported: Finding = {
    id: 'CVE-2026-12345',
    severity: 'CRITICAL',
    package: { name: 'openssl', version: '3.0.15' },
    cvss: { score: 9.8, version: '3.1' },
    exploitAvailable: 'YES',
    fixAvailable: 'YES',
  };

  it('revokes an approved image that a new finding makes the policy refuse', () => {
    const approved = decided(judge(record(), scanned(page({ findings: [LOW] })), POLICY, NOW));
    const decision = judge(
      approved,
      { kind: 'scan', scan: scanOf(page({ findings: [LOW] })), reported: [reported] },
      POLICY,
      LATER,
    );
    const verdict = verdictOf(decision);
    expect(verdict).toMatchObject({ outcome: 'REVOKED', revokedAt: LATER.toISOString() });
    expect(verdict.reasons[0]).toBe(`revoked: approved at ${NOW.toISOString()}, refused now`);
    if (verdict.outcome !== 'REVOKED') return;
    expect(verdict.blocking.map((entry) => entry.id)).toEqual(['CVE-2026-12345']);
    expect(verdict.findingsFingerprint).not.toBe(
      approved.verdict && (approved.verdict as RecordedVerdict).findingsFingerprint,
    );
  });

  it('counts a reported finding the scan already lists once', () => {
    const listed = basicFinding({ name: 'CVE-2026-12345', severity: 'CRITICAL', pkg: 'openssl' });
    const decision = judge(
      record(),
      { kind: 'scan', scan: scanOf(page({ findings: [listed] })), reported: [reported] },
      POLICY,
      NOW,
    );
    expect(verdictOf(decision)).toMatchObject({ scan: { severityCounts: { CRITICAL: 1 } } });
    expect(verdictOf(decision).findingsFingerprint).toBe(
      findingsFingerprint('COMPLETE', scanOf(page({ findings: [listed] })).findings),
    );
  });
});

describe('judge: image index', () => {
  const [amd, arm] = [digestOf('b'), digestOf('c')];
  const index = record({ image: imageRef('payments/api', DIGEST), children: [amd, arm] });
  const child = (
    digest: typeof amd,
    findings: readonly Record<string, unknown>[],
    overrides: Partial<ImageRecord> = {},
  ): ImageRecord => {
    const base = record({ image: imageRef('payments/api', digest), parent: DIGEST, tags: [] });
    return { ...decided(judge(base, scanned(page({ digest, findings })), POLICY, NOW), base), ...overrides };
  };
  const observe = (...children: (ImageRecord | undefined)[]): ScanObservation => ({
    kind: 'index',
    children: [amd, arm].map((digest, position) => ({ digest, record: children[position] })),
  });

  it('approves the index when every platform image is approved', () => {
    const decision = judge(index, observe(child(amd, [LOW]), child(arm, [])), POLICY, LATER);
    expect(verdictOf(decision)).toMatchObject({ outcome: 'APPROVED', image: { digest: DIGEST } });
  });

  it('rejects the index when one platform image is rejected, even with another still pending', () => {
    const decision = judge(index, observe(child(amd, [CRITICAL]), undefined), POLICY, LATER);
    expect(verdictOf(decision)).toMatchObject({ outcome: 'REJECTED', blockingTotal: 1 });
  });

  it('waits while a platform image has no verdict, or was deleted', () => {
    const deleted = child(arm, [], { status: 'DELETED' });
    expect(judge(index, observe(child(amd, []), deleted), POLICY, LATER)).toEqual({
      kind: 'wait',
      reason: 'children-pending',
      message: '1 of 2 platform images are not judged yet',
    });
  });

  it('changes nothing when judged again from the same platform verdicts', () => {
    const children = observe(child(amd, []), child(arm, []));
    const first = judge(index, children, POLICY, NOW);
    expect(judge(decided(first, index), children, POLICY, LATER).kind).toBe('unchanged');
  });

  it('judges again when a platform verdict without a fingerprint changes', () => {
    const errorVerdict: Verdict = {
      schemaVersion: '1.0',
      outcome: 'ERROR',
      image: imageRef('payments/api', arm),
      mode: 'enforce',
      reasons: [],
      warnings: [],
      decidedAt: NOW.toISOString(),
      error: { code: 'SCAN_TIMEOUT', message: 'no scan result' },
    };
    const timedOut = child(arm, [], { verdict: errorVerdict });
    const first = judge(index, observe(child(amd, []), timedOut), POLICY, NOW);
    expect(verdictOf(first)).toMatchObject({ outcome: 'ERROR', error: { code: 'SCAN_TIMEOUT' } });
    const retimed = child(arm, [], { verdict: { ...errorVerdict, decidedAt: LATER.toISOString() } });
    expect(judge(decided(first, index), observe(child(amd, []), retimed), POLICY, LATER).kind).toBe('decide');
  });
});
