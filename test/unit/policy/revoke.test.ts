import type { Verdict } from '../../../shared/core/domain';
import { evaluate, reevaluate } from '../../../shared/core/policy';
import { NOW, finding, image, policy, scan } from './builders';

const loaded = policy({ defaults: { severityLimits: { CRITICAL: 0 } } });
const at = (
  iso: string,
  findings = [finding('CVE-1', { severity: 'CRITICAL' })],
  status = 'COMPLETE',
): Verdict => evaluate({ findings, policy: loaded, image: image(), now: new Date(iso), scan: scan(status) });
const approved = at('2026-11-01T00:00:00Z', []);
const rejected = at('2026-12-01T00:00:00Z');

describe('reevaluate', () => {
  it('revokes an approved image that is now refused', () => {
    const verdict = reevaluate(approved, rejected);
    expect(verdict).toMatchObject({ outcome: 'REVOKED', revokedAt: rejected.decidedAt, blockingTotal: 1 });
    expect(verdict.reasons[0]).toBe(`revoked: approved at ${approved.decidedAt}, refused now`);
  });

  it('keeps the first revocation time while the image stays refused', () => {
    const first = reevaluate(approved, rejected);
    const later = at('2027-01-01T00:00:00Z');
    expect(reevaluate(first, later)).toMatchObject({ outcome: 'REVOKED', revokedAt: rejected.decidedAt });
  });

  it('approves a revoked image again when the new verdict approves it', () => {
    const reapproved = at('2027-01-01T00:00:00Z', []);
    expect(reevaluate(reevaluate(approved, rejected), reapproved)).toBe(reapproved);
  });

  it('rejects, without revoking, an image that was never approved', () => {
    expect(reevaluate(undefined, rejected)).toBe(rejected);
    expect(reevaluate(rejected, at('2027-01-01T00:00:00Z'))).toMatchObject({ outcome: 'REJECTED' });
  });

  it('keeps an ERROR an ERROR: being unable to judge is no refusal', () => {
    const error = at('2027-01-01T00:00:00Z', [], 'SCAN_ELIGIBILITY_EXPIRED');
    expect(reevaluate(approved, error)).toBe(error);
  });

  it('keeps an approved image approved', () => {
    const again = at('2027-01-01T00:00:00Z', []);
    expect(reevaluate(approved, again)).toBe(again);
    expect(NOW).toBeInstanceOf(Date);
  });
});
