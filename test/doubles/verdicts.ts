import {
  VERDICT_SCHEMA_VERSION,
  type ApprovedVerdict,
  type ImageRecord,
  type ImageRef,
  type Verdict,
} from '../../shared/core/domain';

const DECIDED_AT = '2026-01-02T03:04:05.000Z';
const SCANNED_AT = '2026-01-02T03:00:00.000Z';

/** A verdict of each outcome for `image`, as the judge writes it: enforce mode, one basic scan. */
export const verdictFor = (image: ImageRef, outcome: Verdict['outcome']): Verdict => {
  const base = {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    image,
    mode: 'enforce' as const,
    reasons: [],
    warnings: [],
    decidedAt: DECIDED_AT,
    policyDigest: `sha256:${'ab'.repeat(32)}`,
  };
  const judged = {
    ...base,
    scan: {
      scanner: 'ECR_BASIC' as const,
      status: 'COMPLETE',
      completedAt: SCANNED_AT,
      severityCounts: { LOW: 1 },
    },
    blocking: [],
    blockingTotal: 0,
    exceptionsApplied: [],
  };
  switch (outcome) {
    case 'APPROVED':
      return { ...judged, outcome };
    case 'REJECTED':
      return {
        ...judged,
        outcome,
        blocking: [{ id: 'CVE-2026-0001', severity: 'CRITICAL', rule: 'severityLimits.CRITICAL' }],
        blockingTotal: 1,
      };
    case 'REVOKED':
      return { ...judged, outcome, revokedAt: '2026-01-03T00:00:00.000Z' };
    case 'ERROR':
      return { ...base, outcome, error: { code: 'SCAN_FAILED', message: 'scan failed' } };
  }
};

/**
 * An APPROVED verdict for `image`; with `scannedAt`, its scan finished (and it was decided) then: the age the
 * gate's freshness check reads from the vulnerability attestation.
 */
export const approvedVerdict = (image: ImageRef, scannedAt?: string): ApprovedVerdict => {
  const verdict = verdictFor(image, 'APPROVED');
  if (verdict.outcome !== 'APPROVED') throw new Error('unreachable');
  return scannedAt === undefined
    ? verdict
    : { ...verdict, decidedAt: scannedAt, scan: { ...verdict.scan, completedAt: scannedAt } };
};

/** The record of `image` once decided APPROVED at version 3, tagged v1; `overrides` change any field. */
export const recordFor = (image: ImageRef, overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  image,
  tags: ['v1'],
  status: 'DECIDED',
  verdict: verdictFor(image, 'APPROVED'),
  pushedAt: '2026-01-02T02:59:00.000Z',
  correlationId: 'push-event-1',
  version: 3,
  updatedAt: DECIDED_AT,
  ...overrides,
});
