import fc from 'fast-check';
import type { Digest, ImageRecord, Verdict } from '../../../shared/core/domain';
import { planImage, type InventoryImage, type PlanSettings } from '../../../shared/app/reconcile';
import { sweepCorrelationId } from '../../../shared/core/domain/origin';

const NOW = new Date('2026-12-02T12:00:00Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const at = (msAgo: number): string => new Date(NOW.getTime() - msAgo).toISOString();
const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;

const settings: PlanSettings = {
  scope: { tagged: true, maxAgeDays: 90, pulledWithinDays: 30 },
  policyDigest: 'sha256:policy-now',
  scanTimeoutMinutes: 30,
  refreshAfterHours: 24,
  rescanAfterDays: 7,
  scanner: 'enhanced',
  formats: ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'],
};

const image = (over: Partial<InventoryImage> = {}): InventoryImage => ({
  repository: 'team/app',
  digest: DIGEST,
  tags: ['v1'],
  pushedAt: at(2 * DAY),
  ...over,
});

const approved = (over: { policyDigest?: string; completedAt?: string } = {}): Verdict =>
  ({
    schemaVersion: 1,
    outcome: 'APPROVED',
    image: { registry: 'r', repository: 'team/app', digest: DIGEST },
    mode: 'enforce',
    reasons: [],
    warnings: [],
    decidedAt: at(3 * DAY),
    policyDigest: over.policyDigest ?? settings.policyDigest,
    scan: {
      scanner: 'INSPECTOR',
      status: 'ACTIVE',
      severityCounts: {},
      ...(over.completedAt === undefined ? {} : { completedAt: over.completedAt }),
    },
    blocking: [],
    blockingTotal: 0,
    exceptionsApplied: [],
  }) as unknown as Verdict;

const record = (over: Partial<ImageRecord> = {}): ImageRecord => ({
  image: { registry: 'r', repository: 'team/app', digest: DIGEST },
  tags: ['v1'],
  status: 'DECIDED',
  pushedAt: at(2 * DAY),
  verdict: approved({ completedAt: at(2 * HOUR) }),
  signatures: settings.formats.map((format) => ({ format, reference: `r/team/app@${DIGEST}` })),
  version: 3,
  updatedAt: at(2 * HOUR),
  ...over,
});

describe('planImage', () => {
  it('records an image with no record, as on-push would', () => {
    expect(planImage(image(), undefined, settings, NOW)).toEqual({ kind: 'record' });
  });

  it('records again a digest whose record says DELETED but is back in the registry', () => {
    expect(planImage(image(), record({ status: 'DELETED' }), settings, NOW)).toEqual({ kind: 'record' });
  });

  it('leaves our own artifacts alone, told from their tag or media type', () => {
    expect(planImage(image({ tags: [`sha256-${'a'.repeat(64)}.sig`] }), undefined, settings, NOW).kind).toBe(
      'attachment',
    );
    expect(
      planImage(
        image({ tags: [], artifactMediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }),
        undefined,
        settings,
        NOW,
      ).kind,
    ).toBe('attachment');
  });

  it('times out a pending record past the scan timeout, counted from when it was recorded', () => {
    const pending = record({ status: 'PENDING_SCAN', pushedAt: at(200 * DAY), updatedAt: at(31 * 60_000) });
    expect(planImage(image(), pending, settings, NOW)).toEqual({ kind: 'timeout' });
    // Recorded by the sweep a minute ago for an image pushed long before: it still gets its whole timeout.
    const fresh = record({ status: 'PENDING_SCAN', pushedAt: at(200 * DAY), updatedAt: at(60_000) });
    expect(planImage(image(), fresh, settings, NOW)).toEqual({ kind: 'pending' });
    // Its scan has ended, the registry says, but no scan event judged it (lost): judged now.
    expect(planImage(image({ scanCompletedAt: at(30_000) }), fresh, settings, NOW)).toEqual({
      kind: 'judge',
    });
  });

  it('judges again what another policy decided', () => {
    const old = record({ verdict: approved({ policyDigest: 'sha256:policy-then' }) });
    expect(planImage(image(), old, settings, NOW)).toEqual({
      kind: 'rejudge',
      policyDigest: 'sha256:policy-then',
    });
  });

  it('re-attests an approval whose attestation is older than refreshAfterHours when a newer scan exists', () => {
    const aged = record({ verdict: approved({ completedAt: at(25 * HOUR) }) });
    expect(planImage(image({ scanCompletedAt: at(HOUR) }), aged, settings, NOW)).toEqual({
      kind: 'refresh',
      attestedScanAt: at(25 * HOUR),
    });
    // No newer scan: nothing to re-attest from.
    expect(planImage(image({ scanCompletedAt: at(25 * HOUR) }), aged, settings, NOW).kind).toBe('current');
    // Young enough: left alone even with a newer scan.
    const young = record({ verdict: approved({ completedAt: at(23 * HOUR) }) });
    expect(planImage(image({ scanCompletedAt: at(HOUR) }), young, settings, NOW).kind).toBe('current');
  });

  it('with basic scanning, scans again an in-use approval whose last scan is older than rescanAfterDays', () => {
    const basic = { ...settings, scanner: 'basic' as const };
    const old = record({ verdict: approved({ completedAt: at(8 * DAY) }) });
    expect(
      planImage(image({ scanCompletedAt: at(8 * DAY), lastPulledAt: at(DAY) }), old, basic, NOW).kind,
    ).toBe('rescan');
    // Not in use (pulled long ago): not scanned again.
    expect(
      planImage(image({ scanCompletedAt: at(8 * DAY), lastPulledAt: at(60 * DAY) }), old, basic, NOW).kind,
    ).toBe('current');
    // Inspector re-scans by itself.
    expect(
      planImage(image({ scanCompletedAt: at(8 * DAY), lastPulledAt: at(DAY) }), old, settings, NOW).kind,
    ).toBe('current');
  });

  it('announces again a decision whose announcement never went out, once it had time to', () => {
    const pending = record({ announcementPending: true, updatedAt: at(31 * 60_000) });
    expect(planImage(image(), pending, settings, NOW)).toEqual({ kind: 'announce', why: 'pending' });
    expect(planImage(image(), { ...pending, updatedAt: at(60_000) }, settings, NOW).kind).toBe('current');
  });

  it('announces at once what an earlier sweep recorded and could not announce: no event retry will', () => {
    const fresh = { announcementPending: true, updatedAt: at(60_000) } as const;
    const bySweep = record({ ...fresh, announcer: sweepCorrelationId(at(2 * 60_000)) });
    expect(planImage(image(), bySweep, settings, NOW)).toEqual({ kind: 'announce', why: 'pending' });
    const rejectedBySweep = record({
      ...fresh,
      announcer: sweepCorrelationId(at(2 * 60_000)),
      verdict: { ...approved(), outcome: 'REJECTED' } as unknown as Verdict,
      signatures: [],
    });
    expect(planImage(image(), rejectedBySweep, settings, NOW)).toEqual({ kind: 'announce', why: 'pending' });
    // An event's handler is retried with its own id, and that retry announces: the sweep leaves it alone a while.
    const byEvent = record({ ...fresh, announcer: 'a3b1c2d4-0000-4000-8000-000000000000' });
    expect(planImage(image(), byEvent, settings, NOW).kind).toBe('current');
    // Announced already: nothing to do, whoever recorded it.
    expect(planImage(image(), { ...bySweep, announcementPending: false }, settings, NOW).kind).toBe(
      'current',
    );
  });

  it('asks again for the signatures an approval lacks (signing dead-lettered or throttled)', () => {
    const unsigned = record({
      signatures: [{ format: 'cosign-legacy', reference: 'x' }],
      updatedAt: at(HOUR),
    });
    expect(planImage(image(), unsigned, settings, NOW)).toEqual({ kind: 'announce', why: 'unsigned' });
    // A rejection carries no signatures by design.
    const rejected = record({
      verdict: { ...approved(), outcome: 'REJECTED' } as unknown as Verdict,
      signatures: [],
      updatedAt: at(HOUR),
    });
    expect(planImage(image(), rejected, settings, NOW).kind).toBe('current');
  });

  it('counts, and does not act on, images outside the scope', () => {
    const untaggedOld = image({ tags: [], pushedAt: at(200 * DAY) });
    expect(planImage(untaggedOld, undefined, settings, NOW)).toEqual({ kind: 'out-of-scope' });
    expect(planImage({ ...untaggedOld, lastPulledAt: at(DAY) }, undefined, settings, NOW).kind).toBe(
      'record',
    );
  });

  it('never re-attests or rescans anything but an approval under the deployed policy', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('REJECTED', 'REVOKED', 'ERROR'),
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom<'basic' | 'enhanced'>('basic', 'enhanced'),
        (outcome, ageDays, scanner) => {
          const verdict = { ...approved({ completedAt: at(ageDays * DAY) }), outcome } as unknown as Verdict;
          const kind = planImage(
            image({ scanCompletedAt: at(0), lastPulledAt: at(0) }),
            record({ verdict }),
            { ...settings, scanner },
            NOW,
          ).kind;
          return kind !== 'refresh' && kind !== 'rescan';
        },
      ),
    );
  });
});
