import type { ImageRecord, SignatureRef } from '../../../shared/core/domain';
import {
  judge,
  publications,
  type PublicationSettings,
  type RecordedVerdict,
} from '../../../shared/app/judge';
import { expectValidVerdictEvent } from '../events/verdict-event-schema';
import { CRITICAL, LATER, LOW, NOW, POLICY, page, record, scanOf } from './builders';

const ALL_FORMATS: PublicationSettings = {
  signatures: {
    formats: ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'],
  },
  revocation: 'alert',
};
const NO_FORMATS: PublicationSettings = {
  ...ALL_FORMATS,
  signatures: { ...ALL_FORMATS.signatures, formats: [] },
};
const REMOVE: PublicationSettings = { ...ALL_FORMATS, revocation: 'remove-signatures' };

const SIGNATURES: SignatureRef[] = [
  { format: 'cosign-legacy', reference: `sha256-${'a'.repeat(64)}.sig` },
  { format: 'sigstore-bundle', reference: `sha256:${'d'.repeat(64)}` },
];

const verdictFrom = (
  base: ImageRecord,
  findings: readonly Record<string, unknown>[],
  status = 'COMPLETE',
  now = NOW,
): RecordedVerdict => {
  const decision = judge(base, { kind: 'scan', scan: scanOf(page({ status, findings })) }, POLICY, now);
  if (decision.kind !== 'decide') throw new Error(decision.kind);
  return decision.verdict;
};

const saved = (verdict: RecordedVerdict, overrides: Partial<ImageRecord> = {}): ImageRecord =>
  record({ status: 'DECIDED', verdict, version: 2, ...overrides });

describe('publications', () => {
  it('hands an APPROVED image to signing, with what the signer needs', () => {
    const verdict = verdictFrom(record(), [LOW]);
    expect(
      publications({ record: saved(verdict), verdict, settings: ALL_FORMATS, correlationId: 'scan-1' }),
    ).toEqual([
      {
        detailType: 'Tollgate Signing Requested',
        detail: {
          action: 'sign',
          registry: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
          repository: 'payments/api',
          digest: `sha256:${'a'.repeat(64)}`,
          correlationId: 'scan-1',
        },
      },
    ]);
  });

  it('publishes an APPROVED verdict itself when no signature format is on', () => {
    const verdict = verdictFrom(record(), []);
    const [event, ...rest] = publications({ record: saved(verdict), verdict, settings: NO_FORMATS });
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      detailType: 'Tollgate Image Verdict',
      detail: { verdict: 'APPROVED', signatures: [] },
    });
    expect(event?.detail).not.toHaveProperty('correlationId');
  });

  it('publishes nothing for an approved platform image: its index is signed and published for it', () => {
    const child = record({ parent: `sha256:${'f'.repeat(64)}` as never });
    const verdict = verdictFrom(child, []);
    expect(
      publications({ record: saved(verdict, { parent: child.parent! }), verdict, settings: ALL_FORMATS }),
    ).toEqual([]);
  });

  it.each([
    ['REJECTED', [CRITICAL], 'COMPLETE'],
    ['ERROR', [], 'FAILED'],
  ] as const)(
    'publishes a %s verdict with its findings and the signatures on record',
    (outcome, findings, status) => {
      const verdict = verdictFrom(record(), findings, status);
      const events = publications({
        record: saved(verdict, { signatures: SIGNATURES }),
        verdict,
        settings: REMOVE,
        correlationId: 'scan-2',
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        detailType: 'Tollgate Image Verdict',
        detail: { verdict: outcome, signatures: SIGNATURES, correlationId: 'scan-2' },
      });
      expectValidVerdictEvent(events[0]?.detail);
    },
  );

  describe('REVOKED', () => {
    const approved = verdictFrom(record(), []);
    const revoked = (() => {
      const decision = judge(
        saved(approved),
        { kind: 'scan', scan: scanOf(page({ findings: [CRITICAL] })) },
        POLICY,
        LATER,
      );
      if (decision.kind !== 'decide') throw new Error(decision.kind);
      return decision.verdict;
    })();

    it('publishes the verdict listing the signatures, and leaves them by default', () => {
      const events = publications({
        record: saved(revoked, { signatures: SIGNATURES }),
        verdict: revoked,
        settings: ALL_FORMATS,
      });
      expect(events.map((event) => event.detailType)).toEqual(['Tollgate Image Verdict']);
      expectValidVerdictEvent(events[0]?.detail);
      expect(events[0]?.detail).toMatchObject({
        verdict: 'REVOKED',
        signatures: SIGNATURES,
        revokedAt: LATER.toISOString(),
      });
    });

    it('also asks for Tollgate’s own signatures to be removed with revocation: remove-signatures', () => {
      const events = publications({
        record: saved(revoked),
        verdict: revoked,
        settings: REMOVE,
        correlationId: 'f-1',
      });
      expect(events.map((event) => event.detailType)).toEqual([
        'Tollgate Image Verdict',
        'Tollgate Signing Requested',
      ]);
      expect(events[0]?.detail).toMatchObject({ signatures: [] });
      expect(events[1]?.detail).toMatchObject({ action: 'remove', correlationId: 'f-1' });
    });

    it('leaves removal to the index for a platform image', () => {
      const parent = `sha256:${'f'.repeat(64)}` as never;
      const events = publications({ record: saved(revoked, { parent }), verdict: revoked, settings: REMOVE });
      expect(events.map((event) => event.detailType)).toEqual(['Tollgate Image Verdict']);
      expect(events[0]?.detail).toMatchObject({ image: { parent } });
    });
  });
});
