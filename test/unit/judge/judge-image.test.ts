import { ConcurrentUpdateError, type Finding, type ImageRecord } from '../../../shared/core/domain';
import { judgeImage, type JudgeDeps, type RecordedVerdict } from '../../../shared/app/judge';
import type { EventPublisher, FindingsRead, FindingsSource } from '../../../shared/app/ports';
import { ANNOUNCEMENT_GRACE_MS, takesUpAnnouncement } from '../../../shared/core/domain/announcement';
import { CRITICAL, DIGEST, LATER, LOW, NOW, POLICY, digestOf, imageRef, page, record } from './builders';
import { MemoryVerdictStore, RecordingPublisher } from '../../doubles';

class FakeFindings implements FindingsSource {
  public readonly reads: string[] = [];
  public constructor(private readonly results: Readonly<Record<string, FindingsRead>>) {}
  public read(image: { digest: string }): Promise<FindingsRead> {
    this.reads.push(image.digest);
    return Promise.resolve(this.results[image.digest] ?? { kind: 'not-found', message: 'no scan' });
  }
}

const found = (...pages: Record<string, unknown>[]): FindingsRead => ({ kind: 'found', pages });

const setup = (records: ImageRecord[], results: Readonly<Record<string, FindingsRead>>, now = NOW) => {
  const store = new MemoryVerdictStore(...records);
  const findings = new FakeFindings(results);
  const publisher = new RecordingPublisher();
  const deps: JudgeDeps = {
    store,
    findings,
    publisher,
    policy: POLICY,
    settings: {
      signatures: { formats: ['cosign-legacy'] },
      revocation: 'remove-signatures',
    },
    now: () => now,
  };
  return { deps, store, findings, publisher };
};

const KEY = { repository: 'payments/api', digest: DIGEST };

describe('judgeImage', () => {
  it('records the verdict with a conditional write and hands an approved image to signing', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [LOW] })) });
    const outcome = await judgeImage(deps, KEY, 'scan-event-1');
    expect(outcome).toMatchObject({
      kind: 'decided',
      published: ['Tollgate Signing Requested'],
      dryRun: false,
      firstVerdict: true,
      record: { status: 'DECIDED', version: 2 },
    });
    expect(store.verdictSaves).toEqual([
      {
        image: imageRef(),
        verdict: expect.objectContaining({ outcome: 'APPROVED' }) as unknown,
        expectedVersion: 1,
      },
    ]);
    expect(await store.get(KEY)).toMatchObject({ status: 'DECIDED', version: 2 });
    expect(publisher.published).toEqual([
      {
        detailType: 'Tollgate Signing Requested',
        detail: {
          action: 'sign',
          registry: imageRef().registry,
          repository: 'payments/api',
          digest: DIGEST,
          correlationId: 'scan-event-1',
        },
      },
    ]);
  });

  it('publishes a rejection with its findings; the correlation id falls back to the record’s', async () => {
    const { deps, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    await judgeImage(deps, KEY);
    expect(publisher.published).toEqual([
      expect.objectContaining({
        detailType: 'Tollgate Image Verdict',
        detail: expect.objectContaining({
          verdict: 'REJECTED',
          blocking: [
            {
              id: 'CVE-2026-9999',
              severity: 'CRITICAL',
              package: 'openssl',
              rule: 'severityLimits.CRITICAL',
            },
          ],
          blockingTotal: 1,
          correlationId: 'push-event-id',
        }) as unknown,
      }),
    ]);
  });

  it('does nothing for a late duplicate with the same findings', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    await judgeImage(deps, KEY, 'first');
    const outcome = await judgeImage({ ...deps, now: () => LATER }, KEY, 'duplicate');
    expect(outcome.kind).toBe('unchanged');
    expect(store.verdictSaves).toHaveLength(1);
    expect(publisher.published).toHaveLength(1);
  });

  it('clears the pending announcement once the verdict is published', async () => {
    const { deps, store } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    await judgeImage(deps, KEY, 'first');
    expect((await store.get(KEY))?.announcementPending).toBeUndefined();
  });

  it('publishes on the retry a verdict recorded before the publish failed, then never again', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    const failing: EventPublisher = { publish: () => Promise.reject(new Error('EventBridge unavailable')) };
    await expect(judgeImage({ ...deps, publisher: failing }, KEY, 'first')).rejects.toThrow('unavailable');
    expect(await store.get(KEY)).toMatchObject({ status: 'DECIDED', announcementPending: true });
    expect(publisher.published).toHaveLength(0);

    const retry = await judgeImage({ ...deps, now: () => LATER }, KEY, 'retry');
    expect(retry).toMatchObject({ kind: 'unchanged', published: ['Tollgate Image Verdict'] });
    expect(publisher.published).toEqual([
      expect.objectContaining({
        detailType: 'Tollgate Image Verdict',
        detail: expect.objectContaining({ verdict: 'REJECTED' }) as unknown,
      }),
    ]);
    expect(store.verdictSaves).toHaveLength(1);
    expect((await store.get(KEY))?.announcementPending).toBeUndefined();

    const duplicate = await judgeImage({ ...deps, now: () => LATER }, KEY, 'duplicate');
    expect(duplicate).toMatchObject({ kind: 'unchanged', published: [] });
    expect(publisher.published).toHaveLength(1);
  });

  it('announces nothing again on a replay, even when the first announcement never completed', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    const failing: EventPublisher = { publish: () => Promise.reject(new Error('EventBridge unavailable')) };
    await expect(judgeImage({ ...deps, publisher: failing }, KEY, 'first')).rejects.toThrow('unavailable');
    const replay = await judgeImage(deps, KEY, 'replay', { dryRun: true });
    expect(replay).toMatchObject({ kind: 'unchanged', published: [] });
    expect(publisher.published).toHaveLength(0);
    expect((await store.get(KEY))?.announcementPending).toBe(true);
  });

  it('skips an image it never recorded, and a deleted one, without reading findings', async () => {
    const { deps, findings, publisher } = setup(
      [record({ image: imageRef('payments/gone'), status: 'DELETED' })],
      {},
    );
    expect(await judgeImage(deps, KEY)).toEqual({ kind: 'unknown-image' });
    expect(await judgeImage(deps, { repository: 'payments/gone', digest: DIGEST })).toEqual({
      kind: 'deleted',
    });
    expect(findings.reads).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  it('gives ERROR for a failed scan the event reported when ECR has none on record', async () => {
    const { deps, publisher } = setup([record()], {});
    const outcome = await judgeImage(deps, KEY, 'scan', { reportedStatus: 'UNSUPPORTED_IMAGE' });
    expect(outcome).toMatchObject({
      kind: 'decided',
      verdict: { outcome: 'ERROR', error: { code: 'SCAN_FAILED' } },
    });
    expect(publisher.published[0]?.detail).toMatchObject({
      verdict: 'ERROR',
      error: { code: 'SCAN_FAILED', message: 'scan status UNSUPPORTED_IMAGE: no scan' },
    });
  });

  it('waits, writing nothing, while there is no scan', async () => {
    const { deps, store } = setup([record()], {});
    expect(await judgeImage(deps, KEY, 'scan', { reportedStatus: 'COMPLETE' })).toEqual({
      kind: 'waiting',
      reason: 'no-scan',
      status: 'COMPLETE',
      message: 'no scan',
    });
    expect(store.verdictSaves).toEqual([]);
  });

  it('gives ERROR for a scan result it cannot read', async () => {
    const { deps } = setup([record()], { [DIGEST]: found({ imageId: { imageDigest: 'not-a-digest' } }) });
    expect(await judgeImage(deps, KEY)).toMatchObject({
      kind: 'decided',
      verdict: { outcome: 'ERROR', error: { code: 'MALFORMED_INPUT' } },
    });
  });

  it('rethrows what is not a validation failure', async () => {
    const { deps } = setup([record()], {});
    const hostile = {
      get imageId(): never {
        throw new RangeError('boom');
      },
    };
    const broken: JudgeDeps = {
      ...deps,
      findings: { read: () => Promise.resolve({ kind: 'found', pages: [hostile] }) },
    };
    await expect(judgeImage(broken, KEY)).rejects.toThrow(RangeError);
  });

  it('throws the conditional write’s ConcurrentUpdateError, so the event is retried', async () => {
    const { deps, store } = setup([record()], { [DIGEST]: found(page()) });
    const racing: JudgeDeps = {
      ...deps,
      store: Object.assign(Object.create(store) as MemoryVerdictStore, {
        get: async (key: typeof KEY) => ({ ...(await store.get(key))!, version: 0 }),
      }),
    };
    await expect(judgeImage(racing, KEY)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it('a write whose answer was lost (our verdict is stored) is still announced, once', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    const save = store.saveVerdict.bind(store);
    const lossy: JudgeDeps = {
      ...deps,
      store: Object.assign(Object.create(store) as MemoryVerdictStore, {
        // The write lands, then the SDK's retry of it fails the version check.
        saveVerdict: async (...args: Parameters<MemoryVerdictStore['saveVerdict']>) => {
          await save(...args);
          throw new ConcurrentUpdateError('no longer at version 1');
        },
      }),
    };
    const outcome = await judgeImage(lossy, KEY, 'first');
    expect(outcome).toMatchObject({ kind: 'decided', published: ['Tollgate Image Verdict'] });
    expect(publisher.published).toHaveLength(1);
    expect((await store.get(KEY))?.announcementPending).toBeUndefined();
  });

  describe('a pending announcement belongs to its announcer', () => {
    /** A verdict recorded by event `first`, whose publish failed: the announcement is left pending. */
    const pendingFromFirst = async () => {
      const { deps, store, publisher } = setup([record()], {
        [DIGEST]: found(page({ findings: [CRITICAL] })),
      });
      const failing: EventPublisher = { publish: () => Promise.reject(new Error('EventBridge unavailable')) };
      await expect(judgeImage({ ...deps, publisher: failing }, KEY, 'first')).rejects.toThrow('unavailable');
      const saved = (await store.get(KEY))!;
      expect(saved).toMatchObject({ announcementPending: true, announcer: 'first' });
      return { deps, store, publisher, decidedAt: Date.parse(saved.verdict!.decidedAt) };
    };

    it('another event, inside the grace, leaves it to the announcer: one decision is announced once', async () => {
      const { deps, publisher, decidedAt } = await pendingFromFirst();
      const soon = new Date(decidedAt + ANNOUNCEMENT_GRACE_MS - 1);
      const other = await judgeImage({ ...deps, now: () => soon }, KEY, 'second');
      expect(other).toMatchObject({ kind: 'unchanged', published: [] });
      expect(publisher.published).toHaveLength(0);
    });

    it('the announcer’s own redelivery takes it up at once, and clears it', async () => {
      const { deps, store, publisher, decidedAt } = await pendingFromFirst();
      const soon = new Date(decidedAt + 1);
      const again = await judgeImage({ ...deps, now: () => soon }, KEY, 'first');
      expect(again).toMatchObject({ kind: 'unchanged', published: ['Tollgate Image Verdict'] });
      expect(publisher.published).toHaveLength(1);
      expect(await store.get(KEY)).not.toHaveProperty('announcer');
      expect((await store.get(KEY))?.announcementPending).toBeUndefined();
    });

    it('anyone takes it up once it is overdue (the announcer’s retries failed too)', async () => {
      const { deps, publisher, decidedAt } = await pendingFromFirst();
      const late = new Date(decidedAt + ANNOUNCEMENT_GRACE_MS);
      const other = await judgeImage({ ...deps, now: () => late }, KEY, 'second');
      expect(other).toMatchObject({ kind: 'unchanged', published: ['Tollgate Image Verdict'] });
      expect(publisher.published).toHaveLength(1);
    });

    it('a verdict recorded with no event id (the scan timeout) is anyone’s to announce', () => {
      const decided = { verdict: { decidedAt: '2026-12-01T00:00:00.000Z' } } as Parameters<
        typeof takesUpAnnouncement
      >[0];
      expect(takesUpAnnouncement(decided, 'second', new Date('2026-12-01T00:00:01.000Z'))).toBe(true);
      expect(
        takesUpAnnouncement(
          { ...decided, announcer: 'first' },
          'second',
          new Date('2026-12-01T00:00:01.000Z'),
        ),
      ).toBe(false);
    });
  });

  it('leaves the announcement to the judge that wrote the same decision first', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    // Another judge (on-push, say) decides the same scan a moment earlier and is still publishing.
    void judgeImage({ ...deps, publisher: { publish: () => new Promise<void>(() => undefined) } }, KEY);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.get(KEY)).toMatchObject({ status: 'DECIDED', announcementPending: true });
    let reads = 0;
    const stale: JudgeDeps = {
      ...deps,
      now: () => LATER,
      store: Object.assign(Object.create(store) as MemoryVerdictStore, {
        // This judge read the record before the other's write; its re-read after the refused write is current.
        get: async (key: typeof KEY) => {
          reads += 1;
          const current = (await store.get(key))!;
          return reads === 1
            ? { ...current, status: 'PENDING_SCAN', verdict: undefined, version: 1 }
            : current;
        },
      }),
    };
    const outcome = await judgeImage(stale, KEY, 'second');
    expect(outcome).toMatchObject({ kind: 'unchanged', published: [] });
    expect(publisher.published).toHaveLength(0);
  });

  describe('re-evaluation (Inspector2 Finding)', () => {
    const finding: Finding = {
      id: 'CVE-2026-12345',
      severity: 'CRITICAL',
      package: { name: 'openssl' },
      exploitAvailable: 'YES',
    };

    it('leaves an image not judged yet to its scan event', async () => {
      const { deps, findings } = setup([record()], {});
      expect(await judgeImage(deps, KEY, 'f', { onlyIfDecided: true, reportedFinding: finding })).toEqual({
        kind: 'not-judged-yet',
      });
      expect(findings.reads).toEqual([]);
    });

    it('revokes an approved image and asks for its signatures to be removed', async () => {
      const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [LOW] })) });
      await judgeImage(deps, KEY, 'scan');
      const signed = (await store.get(KEY))!;
      store.records.set(`payments/api@${DIGEST}`, {
        ...signed,
        signatures: [{ format: 'cosign-legacy', reference: 'sha256-x.sig' }],
      });
      const outcome = await judgeImage({ ...deps, now: () => LATER }, KEY, 'finding-1', {
        onlyIfDecided: true,
        reportedFinding: finding,
      });
      expect(outcome).toMatchObject({
        kind: 'decided',
        verdict: { outcome: 'REVOKED' },
        firstVerdict: false,
      });
      expect(publisher.published.slice(1)).toEqual([
        expect.objectContaining({
          detailType: 'Tollgate Image Verdict',
          detail: expect.objectContaining({
            verdict: 'REVOKED',
            signatures: [{ format: 'cosign-legacy', reference: 'sha256-x.sig' }],
          }) as unknown,
        }),
        expect.objectContaining({
          detailType: 'Tollgate Signing Requested',
          detail: expect.objectContaining({ action: 'remove', correlationId: 'finding-1' }) as unknown,
        }),
      ]);
    });
  });

  it('on a dry run (replay) decides but writes and publishes nothing', async () => {
    const { deps, store, publisher } = setup([record()], { [DIGEST]: found(page({ findings: [CRITICAL] })) });
    const outcome = await judgeImage(deps, KEY, 'replayed', { dryRun: true });
    expect(outcome).toMatchObject({
      kind: 'decided',
      verdict: { outcome: 'REJECTED' },
      published: [],
      dryRun: true,
    });
    expect(store.verdictSaves).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  describe('image index', () => {
    const [amd, arm] = [digestOf('b'), digestOf('c')];
    const records = (): ImageRecord[] => [
      record({ children: [amd, arm] }),
      record({ image: imageRef('payments/api', amd), parent: DIGEST, tags: [] }),
      record({ image: imageRef('payments/api', arm), parent: DIGEST, tags: [] }),
    ];

    it('judges the index once its last platform image is judged, and signs the index only', async () => {
      const { deps, store, publisher } = setup(records(), {
        [amd]: found(page({ digest: amd, findings: [LOW] })),
        [arm]: found(page({ digest: arm })),
      });
      const first = await judgeImage(deps, { repository: 'payments/api', digest: amd }, 'scan-amd');
      expect(first).toMatchObject({
        kind: 'decided',
        published: [],
        index: { kind: 'waiting', reason: 'children-pending' },
      });
      const second = await judgeImage(deps, { repository: 'payments/api', digest: arm }, 'scan-arm');
      expect(second).toMatchObject({
        kind: 'decided',
        index: { kind: 'decided', verdict: { outcome: 'APPROVED' } },
      });
      expect(publisher.published).toEqual([
        expect.objectContaining({
          detailType: 'Tollgate Signing Requested',
          detail: expect.objectContaining({ digest: DIGEST, correlationId: 'scan-arm' }) as unknown,
        }),
      ]);
      expect((await store.get(KEY))?.verdict).toMatchObject({ outcome: 'APPROVED' });
      // The index itself is never scanned.
      expect(await judgeImage(deps, KEY)).toMatchObject({ kind: 'unchanged' });
    });

    it('judges the index again on a duplicate child event, in case the index write lost a race before', async () => {
      const { deps, store } = setup(records(), {
        [amd]: found(page({ digest: amd, findings: [CRITICAL] })),
      });
      await judgeImage(deps, { repository: 'payments/api', digest: amd });
      // Undo the index's verdict, as if its conditional write had failed.
      store.records.set(`payments/api@${DIGEST}`, records()[0]!);
      const again = await judgeImage(deps, { repository: 'payments/api', digest: amd });
      expect(again).toMatchObject({
        kind: 'unchanged',
        index: { kind: 'decided', verdict: { outcome: 'REJECTED' } },
      });
      expect(((await store.get(KEY))?.verdict as RecordedVerdict).outcome).toBe('REJECTED');
    });
  });
});
