import type { Digest, ImageRecord } from '../../../shared/core/domain';
import type { ImageActionEvent } from '../../../shared/core/events';
import type { ReconcileCursor, RegistryInventory } from '../../../shared/app/ports';
import { StepInProgressError, type PushOutcome } from '../../../shared/app/push';
import { DependencyUnavailableError } from '../../../shared/core/domain/errors';
import { reconcile, type InventoryImage, type ReconcileDeps } from '../../../shared/app/reconcile';

const NOW = new Date('2026-12-02T12:00:00Z');
const digest = (n: number): Digest => `sha256:${n.toString(16).padStart(64, '0')}` as Digest;

/** A registry of `repos` repositories of `perRepo` tagged images each, listed `pageSize` at a time. */
const inventory = (repos: string[], perRepo: number, pageSize: number) => {
  const calls: string[] = [];
  const images = new Map(
    repos.map((repository, r) => [
      repository,
      Array.from({ length: perRepo }, (_, i): InventoryImage => ({
        repository,
        digest: digest(r * 1000 + i + 1),
        tags: [`v${i}`],
        pushedAt: '2026-11-01T00:00:00Z',
      })),
    ]),
  );
  const page = <T>(items: readonly T[], token: string | undefined) => {
    const start = token === undefined ? 0 : Number(token);
    const next = start + pageSize;
    return { items: items.slice(start, next), ...(next < items.length ? { nextToken: String(next) } : {}) };
  };
  const source: RegistryInventory = {
    repositories: (token) => {
      calls.push(`repositories ${token ?? ''}`);
      return Promise.resolve(page(repos, token));
    },
    images: (repository, token) => {
      calls.push(`images ${repository} ${token ?? ''}`);
      const list = images.get(repository);
      return Promise.resolve(list === undefined ? undefined : page(list, token));
    },
  };
  return { source, calls };
};

const harness = (
  options: { repos?: string[]; perRepo?: number; pageSize?: number; budget?: number } = {},
) => {
  const repos = options.repos ?? ['team/a', 'team/b', 'other/c'];
  const { source, calls } = inventory(repos, options.perRepo ?? 5, options.pageSize ?? 2);
  const records = new Map<string, ImageRecord>();
  let cursor: ReconcileCursor | undefined;
  const pushed: ImageActionEvent[] = [];
  let actions = 0;
  let runStart = 0;
  const deps: ReconcileDeps = {
    inventory: source,
    cursor: {
      load: () => Promise.resolve(cursor),
      save: (next) => {
        cursor = next;
        return Promise.resolve();
      },
    },
    // Reading a record costs an API call, as on DynamoDB: a resumed run must not spend its budget re-reading.
    store: {
      get: (key) => {
        actions++;
        return Promise.resolve(records.get(`${key.repository}@${key.digest}`));
      },
    },
    settings: {
      repositories: ['team/*'],
      scope: { tagged: true, maxAgeDays: 90, pulledWithinDays: 30 },
      policyDigest: 'sha256:p',
      scanTimeoutMinutes: 30,
      refreshAfterHours: 24,
      rescanAfterDays: 7,
      signingCap: 1000,
      formats: ['cosign-legacy'],
    },
    scanning: () => Promise.resolve({ scanType: 'ENHANCED', rules: [] } as never),
    push: (event) => {
      actions++;
      pushed.push(event);
      // As handlePush would: the first event records the digest (so the next sweep finds it pending).
      const key = `${event.repository}@${event.digest}`;
      if (!records.has(key)) {
        records.set(key, {
          image: { registry: 'r', repository: event.repository, digest: event.digest },
          tags: event.tag === undefined ? [] : [event.tag],
          status: 'PENDING_SCAN',
          pushedAt: event.time,
          correlationId: event.eventId,
          version: 1,
          updatedAt: NOW.toISOString(),
        });
      }
      return Promise.resolve({ kind: 'recorded', created: true } as PushOutcome);
    },
    reattest: () => Promise.reject(new Error('not expected')),
    timeout: () => Promise.reject(new Error('not expected')),
    judge: () => Promise.reject(new Error('not expected')),
    rejudge: () => Promise.reject(new Error('not expected')),
    rescan: () => Promise.reject(new Error('not expected')),
    announce: () => Promise.reject(new Error('not expected')),
    exhausted: () => options.budget !== undefined && actions - runStart >= options.budget,
    now: () => NOW,
  };
  return {
    deps,
    calls,
    pushed,
    records,
    cursor: () => cursor,
    /** A new invocation: a fresh budget. */
    newRun: () => {
      runStart = actions;
    },
  };
};

describe('reconcile', () => {
  it('records every covered image no event brought, through the push use case, once', async () => {
    const h = harness();
    const report = await reconcile(h.deps);
    expect(report.complete).toBe(true);
    expect(h.pushed.map((event) => `${event.repository}@${event.digest}`).sort()).toEqual(
      [...h.records.keys()].sort(),
    );
    expect(h.pushed).toHaveLength(10);
    // Only covered repositories: other/c is listed but never read.
    expect(h.calls.some((call) => call.startsWith('images other/c'))).toBe(false);
    expect(h.pushed.every((event) => event.eventId.startsWith('tollgate-sweep:'))).toBe(true);
    expect(report.withoutVerdict).toBe(10);
    expect(h.cursor()).toBeUndefined();

    // A second run finds them recorded and pending: nothing is done twice.
    const again = await reconcile(h.deps);
    expect(h.pushed).toHaveLength(10);
    expect(again.actions).toEqual({ pending: 10 });
  });

  it('stops on its budget and continues where it stopped, without skipping or repeating a digest', async () => {
    const h = harness({ budget: 2, perRepo: 7, pageSize: 3 });
    const runs = [];
    for (let run = 0; run < 30; run++) {
      const report = await reconcile(h.deps);
      runs.push(report);
      if (report.complete) break;
      h.newRun();
    }
    expect(runs.at(-1)!.complete).toBe(true);
    expect(runs.slice(0, -1).every((report) => !report.complete && report.stoppedBy === 'budget')).toBe(true);
    const pushedKeys = h.pushed.map((event) => `${event.repository}@${event.digest}`);
    expect(new Set(pushedKeys).size).toBe(pushedKeys.length);
    expect(pushedKeys).toHaveLength(14);
    // Every run of one pass reports the same pass.
    expect(new Set(runs.map((report) => report.passStartedAt)).size).toBe(1);
  });

  it('never queues more signing than its cap in one run', async () => {
    const h = harness();
    h.deps = {
      ...h.deps,
      settings: { ...h.deps.settings, signingCap: 2 },
      push: (event) => {
        h.pushed.push(event);
        return Promise.resolve({
          kind: 'recorded',
          created: true,
          start: {
            scans: [{ digest: event.digest, scan: 'decided', verdict: 'APPROVED' }],
            immutability: 'compliant',
          },
        } as unknown as PushOutcome);
      },
    };
    const report = await reconcile(h.deps);
    expect(report).toMatchObject({ complete: false, stoppedBy: 'signing-cap', signingQueued: 2 });
    expect(h.pushed).toHaveLength(2);
    expect(h.cursor()).toBeDefined();
  });

  it('a backfill narrows the repositories but cannot widen them past the covered ones', async () => {
    const h = harness();
    await reconcile(h.deps, { repositories: ['team/b', 'other/*'] });
    expect(new Set(h.pushed.map((event) => event.repository))).toEqual(new Set(['team/b']));
  });

  it('an image whose pipeline on-push is starting right now is pending, and the run goes on past it', async () => {
    const h = harness();
    const record = h.deps.push;
    let first = true;
    h.deps = {
      ...h.deps,
      push: (event) => {
        if (!first) return record(event);
        first = false;
        h.pushed.push(event);
        return Promise.reject(
          new StepInProgressError({
            repository: event.repository,
            digest: event.digest,
            since: '',
            step: 'pipeline',
          }),
        );
      },
    };
    const report = await reconcile(h.deps);
    expect(report).toMatchObject({ complete: true, actions: { pending: 1, record: 9 } });
    expect(h.pushed).toHaveLength(10);
  });

  it('any other failure of an image still fails the run, for its retry to take up', async () => {
    const h = harness();
    h.deps = {
      ...h.deps,
      push: () => Promise.reject(new DependencyUnavailableError('DescribeImageScanFindings kept failing')),
    };
    await expect(reconcile(h.deps)).rejects.toThrow(DependencyUnavailableError);
  });

  it('a dry run acts on nothing and keeps no cursor', async () => {
    const h = harness();
    const report = await reconcile(h.deps, { dryRun: true });
    expect(h.pushed).toHaveLength(0);
    expect(report.actions).toEqual({ record: 10 });
    expect(report.byRepository['team/a']).toEqual({ images: 5, actions: { record: 5 } });
    expect(h.cursor()).toBeUndefined();
  });
});
