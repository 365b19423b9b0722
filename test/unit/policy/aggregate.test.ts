import type { Digest, Finding, Verdict } from '../../../shared/core/domain';
import { aggregateIndex, evaluate, isPending, MAX_BLOCKING_LISTED } from '../../../shared/core/policy';
import { NOW, finding, image, policy, scan } from './builders';

const child = (n: number): Digest => `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest;
const INDEX = image('payments/api', `sha256:${'f'.repeat(64)}` as Digest);
const loaded = policy({ defaults: { severityLimits: { CRITICAL: 0 } } });

const judged = (n: number, findings: readonly Finding[], status = 'COMPLETE'): Verdict =>
  evaluate({
    findings,
    policy: loaded,
    image: image('payments/api', child(n)),
    now: NOW,
    scan: scan(status),
  });
const approved = (n: number) => judged(n, [finding(`LOW-${n}`)]);
const rejected = (n: number, count = 1) =>
  judged(
    n,
    Array.from({ length: count }, (_, index) => finding(`CRIT-${n}-${index}`, { severity: 'CRITICAL' })),
  );
const failed = (n: number) => judged(n, [], 'FAILED');

describe('aggregateIndex', () => {
  it('approves an index only when every platform image is approved', () => {
    const verdict = aggregateIndex(INDEX, [approved(1), approved(2)], NOW);
    expect(verdict).toMatchObject({
      outcome: 'APPROVED',
      image: INDEX,
      blockingTotal: 0,
      decidedAt: NOW.toISOString(),
    });
    expect(!isPending(verdict) && verdict.policyDigest).toBe(loaded.digest);
  });

  it('waits while any platform image has no verdict', () => {
    const verdict = aggregateIndex(INDEX, [approved(1), undefined, undefined], NOW);
    expect(verdict).toEqual({ outcome: 'PENDING', image: INDEX, pending: 2, total: 3 });
    expect(isPending(verdict)).toBe(true);
  });

  it('rejects as soon as one platform image is rejected, pending ones or not', () => {
    const verdict = aggregateIndex(INDEX, [approved(1), rejected(2), undefined], NOW);
    if (isPending(verdict) || verdict.outcome !== 'REJECTED') throw new Error('expected REJECTED');
    expect(verdict.blocking.map((entry) => entry.id)).toEqual(['CRIT-2-0']);
    expect(verdict.reasons[0]).toBe('image index: 1 of 2 platform images refused');
  });

  it('treats a revoked platform image as a refusal', () => {
    const revoked: Verdict = {
      ...(rejected(2) as Extract<Verdict, { outcome: 'REJECTED' }>),
      outcome: 'REVOKED',
      revokedAt: NOW.toISOString(),
    };
    expect(aggregateIndex(INDEX, [approved(1), revoked], NOW).outcome).toBe('REJECTED');
  });

  it('is an ERROR when a platform image could not be judged and none is refused', () => {
    const verdict = aggregateIndex(INDEX, [approved(1), failed(2), undefined], NOW);
    if (isPending(verdict) || verdict.outcome !== 'ERROR') throw new Error('expected ERROR');
    expect(verdict.error.code).toBe('SCAN_FAILED');
    expect(verdict.error.message).toContain(child(2));
    expect(verdict.image).toBe(INDEX);
  });

  it('prefers a refusal to an ERROR: the policy answer is final either way', () => {
    expect(aggregateIndex(INDEX, [failed(1), rejected(2)], NOW).outcome).toBe('REJECTED');
  });

  it('is an ERROR for an index without platform images', () => {
    expect(aggregateIndex(INDEX, [], NOW)).toMatchObject({
      outcome: 'ERROR',
      error: { code: 'MALFORMED_INPUT' },
    });
  });

  it('sums blocking totals and caps the combined list', () => {
    const verdict = aggregateIndex(INDEX, [rejected(1, 40), rejected(2, 40)], NOW);
    if (isPending(verdict) || verdict.outcome !== 'REJECTED') throw new Error('expected REJECTED');
    expect(verdict.blockingTotal).toBe(80);
    expect(verdict.blocking).toHaveLength(MAX_BLOCKING_LISTED);
  });

  it('merges the exceptions applied across platform images and sums severity counts', () => {
    const withException = policy({
      defaults: { severityLimits: { CRITICAL: 0 } },
      exceptions: [{ id: 'CVE-X', reason: 'r', expires: '2027-01-01' }],
    });
    const each = (n: number): Verdict =>
      evaluate({
        findings: [finding('CVE-X', { severity: 'CRITICAL' })],
        policy: withException,
        image: image('payments/api', child(n)),
        now: NOW,
        scan: { ...scan(), severityCounts: { CRITICAL: 1 }, completedAt: `2026-11-0${n}T00:00:00.000Z` },
      });
    const verdict = aggregateIndex(INDEX, [each(1), each(2)], NOW);
    if (isPending(verdict) || verdict.outcome !== 'APPROVED') throw new Error('expected APPROVED');
    expect(verdict.exceptionsApplied).toEqual([
      { id: 'CVE-X', reason: 'r', expires: '2027-01-01', matched: 2 },
    ]);
    expect(verdict.scan).toEqual({
      scanner: 'INSPECTOR',
      status: 'COMPLETE',
      completedAt: '2026-11-02T00:00:00.000Z',
      severityCounts: { CRITICAL: 2 },
    });
  });

  it('warns when platform images were judged by different policies', () => {
    const other = evaluate({
      findings: [],
      policy: policy({}),
      image: image('payments/api', child(2)),
      now: NOW,
      scan: scan(),
    });
    const verdict = aggregateIndex(INDEX, [approved(1), other], NOW);
    expect(!isPending(verdict) && verdict.warnings).toContain(
      'platform images were judged by different policy versions',
    );
  });
});
