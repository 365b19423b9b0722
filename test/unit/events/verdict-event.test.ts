import type { Digest, RejectedVerdict, Verdict } from '../../../shared/core/domain';
import { errorVerdict } from '../../../shared/core/domain';
import {
  EVENT_BLOCKING_LIMIT,
  EVENT_MAX_BYTES,
  EVENT_MAX_TEXT,
  verdictEvent,
  verdictEventDetail,
  type VerdictEventInput,
} from '../../../shared/core/events';
import {
  VERDICT_EVENT_SCHEMA as schema,
  expectValidVerdictEvent,
  validateVerdictEvent as validate,
} from './verdict-event-schema';

const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
const PARENT = `sha256:${'b'.repeat(64)}` as Digest;
const image = {
  registry: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
  repository: 'payments/api',
  digest: DIGEST,
};
const record: VerdictEventInput['record'] = {
  image,
  tags: ['1.4.2', 'stable'],
  manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  platform: 'linux/arm64',
  parent: PARENT,
};

const rejected = (blocking: number, overrides: Partial<RejectedVerdict> = {}): RejectedVerdict => ({
  schemaVersion: '1.0',
  outcome: 'REJECTED',
  image,
  mode: 'enforce',
  reasons: [`${blocking} findings break the policy`],
  warnings: [],
  decidedAt: '2026-12-01T12:00:00.000Z',
  policyDigest: `sha256:${'c'.repeat(64)}`,
  scan: {
    scanner: 'INSPECTOR',
    status: 'COMPLETE',
    completedAt: '2026-12-01T11:58:00.000Z',
    severityCounts: { CRITICAL: blocking },
  },
  blocking: Array.from({ length: Math.min(blocking, 50) }, (_, index) => ({
    id: `CVE-2026-${String(index).padStart(5, '0')}`,
    severity: 'CRITICAL' as const,
    package: 'openssl',
    rule: 'severityLimits.CRITICAL',
  })),
  blockingTotal: blocking,
  exceptionsApplied: [
    { id: 'CVE-2026-12345', package: 'openssl', reason: 'not reachable', expires: '2027-01-31', matched: 1 },
  ],
  ...overrides,
});

const size = (detail: unknown): number => Buffer.byteLength(JSON.stringify(detail));

describe('verdictEvent', () => {
  it('builds the Tollgate Image Verdict detail of issue #7, field by field', () => {
    const event = verdictEvent({
      record,
      verdict: {
        ...rejected(3),
        staleExceptions: [{ id: 'CVE-1', reason: 'old', expires: '2027-01-01', expired: false }],
        expiredExceptions: [
          { id: 'CVE-2', package: 'zlib', reason: 'older', expires: '2026-01-01', matched: 2 },
        ],
      },
      signatures: [{ format: 'cosign-legacy', reference: `sha256-${'a'.repeat(64)}.sig` }],
      correlationId: 'scan-event-1',
    });
    expect(event.detailType).toBe('Tollgate Image Verdict');
    expect(event.detail).toEqual({
      schemaVersion: '1.0',
      verdict: 'REJECTED',
      mode: 'enforce',
      image: {
        registry: image.registry,
        repository: 'payments/api',
        digest: DIGEST,
        tags: ['1.4.2', 'stable'],
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        platform: 'linux/arm64',
        parent: PARENT,
      },
      scan: {
        type: 'INSPECTOR',
        status: 'COMPLETE',
        completedAt: '2026-12-01T11:58:00.000Z',
        severityCounts: { CRITICAL: 3 },
      },
      blocking: [0, 1, 2].map((index) => ({
        id: `CVE-2026-0000${index}`,
        severity: 'CRITICAL',
        package: 'openssl',
        rule: 'severityLimits.CRITICAL',
      })),
      blockingTotal: 3,
      exceptionsApplied: [
        {
          id: 'CVE-2026-12345',
          package: 'openssl',
          reason: 'not reachable',
          expires: '2027-01-31',
          matched: 1,
        },
      ],
      staleExceptions: [{ id: 'CVE-1', reason: 'old', expires: '2027-01-01', expired: false }],
      expiredExceptions: [
        { id: 'CVE-2', package: 'zlib', reason: 'older', expires: '2026-01-01', matched: 2 },
      ],
      warnings: [],
      reasons: ['3 findings break the policy'],
      signatures: [{ format: 'cosign-legacy', reference: `sha256-${'a'.repeat(64)}.sig` }],
      policyDigest: `sha256:${'c'.repeat(64)}`,
      decidedAt: '2026-12-01T12:00:00.000Z',
      correlationId: 'scan-event-1',
    });
    expectValidVerdictEvent(event.detail);
  });

  it('lists the top 20 blocking findings and states the total', () => {
    const detail = verdictEventDetail({ record, verdict: rejected(120) });
    expect(detail.blocking).toHaveLength(EVENT_BLOCKING_LIMIT);
    expect(detail.blockingTotal).toBe(120);
    expect(detail.truncated).toEqual({ blocking: 120 });
    expectValidVerdictEvent(detail);
  });

  it.each<[string, Verdict]>([
    [
      'ERROR',
      errorVerdict(image, 'SCAN_TIMEOUT', 'no scan result after 30 minutes', '2026-12-01T12:30:00.000Z'),
    ],
    ['APPROVED', { ...rejected(0), outcome: 'APPROVED', blocking: [], exceptionsApplied: [] }],
    ['REVOKED', { ...rejected(1), outcome: 'REVOKED', revokedAt: '2026-12-02T09:14:05.000Z' }],
    [
      'warn-mode APPROVED',
      { ...rejected(2), outcome: 'APPROVED', mode: 'warn', warnings: ['CVE-2026-00000 CRITICAL'] },
    ],
  ])('builds a valid %s event', (_name, verdict) => {
    const detail = verdictEventDetail({ record: { image, tags: [] }, verdict });
    expectValidVerdictEvent(detail);
    expect(detail.verdict).toBe(verdict.outcome);
    if (verdict.outcome === 'ERROR') {
      expect(detail).toMatchObject({
        error: { code: 'SCAN_TIMEOUT' },
        blocking: [],
        blockingTotal: 0,
        exceptionsApplied: [],
      });
      expect(detail).not.toHaveProperty('scan');
      expect(detail).not.toHaveProperty('policyDigest');
    }
    if (verdict.outcome === 'REVOKED') expect(detail.revokedAt).toBe('2026-12-02T09:14:05.000Z');
    expect(detail.image).toEqual({
      registry: image.registry,
      repository: 'payments/api',
      digest: DIGEST,
      tags: [],
    });
  });

  it('stays under the size cap by cutting lists, keeping every total exact', () => {
    const warnings = Array.from(
      { length: 5000 },
      (_, index) => `exception CVE-${index} matches no finding: ${'x'.repeat(100)}`,
    );
    const stale = Array.from({ length: 3000 }, (_, index) => ({
      id: `CVE-${index}`,
      reason: 'y'.repeat(80),
      expires: '2027-01-01',
      expired: false,
    }));
    const tags = Array.from({ length: 1000 }, (_, index) => `build-${index}-${'t'.repeat(100)}`);
    const detail = verdictEventDetail({
      record: { image, tags },
      verdict: { ...rejected(500, { warnings }), staleExceptions: stale },
    });
    expect(size(detail)).toBeLessThanOrEqual(EVENT_MAX_BYTES);
    expect(detail.blockingTotal).toBe(500);
    expect(detail.truncated).toMatchObject({ warnings: 5000, staleExceptions: 3000 });
    expect(detail.warnings.length).toBeLessThan(5000);
    expect(detail.warnings).toEqual(warnings.slice(0, detail.warnings.length));
    expect(detail.staleExceptions?.length).toBeLessThan(3000);
    // Lists that were not cut are not reported as cut.
    expect(detail.truncated).not.toHaveProperty('exceptionsApplied');
    expectValidVerdictEvent(detail);
  });

  it('caps single lines, so one enormous reason cannot defeat the cap', () => {
    const long = 'r'.repeat(EVENT_MAX_TEXT * 3);
    const detail = verdictEventDetail({
      record: { image, tags: [] },
      verdict: rejected(1, {
        reasons: [long],
        exceptionsApplied: [{ id: 'CVE-1', reason: long, expires: '2027-01-31', matched: 1 }],
      }),
    });
    expect(detail.reasons[0]).toHaveLength(EVENT_MAX_TEXT);
    expect(detail.reasons[0]?.endsWith('…')).toBe(true);
    expect(detail.exceptionsApplied[0]?.reason).toHaveLength(EVENT_MAX_TEXT);
  });

  it('returns what is left when even empty lists are over the cap', () => {
    // Only a registry name this large could do it; the builder must still terminate.
    const huge = { ...image, registry: 'h'.repeat(EVENT_MAX_BYTES + 1) };
    const detail = verdictEventDetail({ record: { image: huge, tags: ['a'] }, verdict: rejected(30) });
    expect(detail.blocking).toEqual([]);
    expect(detail.image.tags).toEqual([]);
    expect(detail.truncated).toMatchObject({ blocking: 30, tags: 1, reasons: 1, exceptionsApplied: 1 });
  });

  it('the committed schema names every field the detail can have (strict objects)', () => {
    expect(schema).toMatchObject({ additionalProperties: false, title: 'Tollgate Image Verdict' });
    expect(validate({ ...verdictEventDetail({ record, verdict: rejected(1) }), extra: true })).toBe(false);
  });
});
