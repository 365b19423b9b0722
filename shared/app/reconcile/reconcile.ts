import type { ImageRecord } from '../../core/domain/image-record';
import { matchesAnyGlob } from '../../core/domain/glob';
import { sweepCorrelationId } from '../../core/domain/origin';
import type { ImageActionEvent } from '../../core/events/normalized';
import type { JudgeOutcome } from '../judge/judge-image';
import type { TimeoutOutcome } from '../judge/handle-timeout';
import type { RejudgeRequest } from '../judge/rejudge';
import type { StartScanResult } from '../ports/ecr-control';
import type { ReconcileCursor, ReconcileCursorStore } from '../ports/reconcile-cursor';
import type { RegistryInventory } from '../ports/registry-inventory';
import type { ImageKeyParts, VerdictStore } from '../ports/verdict-store';
import type { PushOutcome } from '../push/handle-push';
import { StepInProgressError } from '../push/step-in-progress';
import type { RegistryScanning } from '../push/scan-coverage';
import { scanCoverage } from '../push/scan-coverage';
import { planImage, type InventoryImage, type PlanSettings, type ReconcileAction } from './plan';

export type ReconcileActionKind = ReconcileAction['kind'];

export interface ReconcileSettings extends Omit<PlanSettings, 'scanner'> {
  readonly repositories: readonly string[];
  /**
   * Signing requests one run may cause, from the share of `signing.putImagePerSecond` the sweep may use over its
   * interval: a backfill must never queue more than the signer can sign before the next run.
   */
  readonly signingCap: number;
}

/** The use cases the event path runs, bound by the function; the sweep decides only which one a digest needs. */
export interface ReconcileDeps {
  readonly inventory: RegistryInventory;
  readonly cursor: ReconcileCursorStore;
  readonly store: Pick<VerdictStore, 'get'>;
  readonly settings: ReconcileSettings;
  readonly scanning: () => Promise<RegistryScanning>;
  /** on-push's handlePush, with the same idempotency keys. */
  readonly push: (event: ImageActionEvent) => Promise<PushOutcome>;
  /** judgeImage with `reattest`: an approval whose scan is newer than its attestation is decided again. */
  readonly reattest: (image: ImageKeyParts, correlationId: string) => Promise<JudgeOutcome>;
  readonly timeout: (image: ImageKeyParts) => Promise<TimeoutOutcome>;
  /** judgeImage, as on-scan calls it for a scan event. */
  readonly judge: (image: ImageKeyParts, correlationId: string) => Promise<JudgeOutcome>;
  readonly rejudge: (request: RejudgeRequest, note: string) => Promise<string>;
  readonly rescan: (image: ImageKeyParts) => Promise<StartScanResult>;
  /** record-verdict's `announce`: publishes what the record's verdict announces (Signing Requested for APPROVED). */
  readonly announce: (record: ImageRecord) => Promise<unknown>;
  /** True once the run has spent its API calls or its time: it stops between two digests, cursor saved. */
  readonly exhausted: () => boolean;
  readonly now: () => Date;
}

export interface ReconcileOptions {
  /** For this run only (`tollgate backfill`): a wider scope, and fewer repositories (never more than covered). */
  readonly scope?: PlanSettings['scope'];
  readonly repositories?: readonly string[];
  /** List what would be done, do nothing. */
  readonly dryRun?: boolean;
}

export interface RepositoryCounts {
  readonly images: number;
  readonly actions: Readonly<Partial<Record<ReconcileActionKind, number>>>;
}

export interface ReconcileReport {
  /** The pass this run worked on, and whether the run finished it. */
  readonly passStartedAt: string;
  readonly complete: boolean;
  /** Why the run stopped before the end of the pass. */
  readonly stoppedBy?: 'budget' | 'signing-cap';
  readonly repositories: number;
  readonly images: number;
  readonly actions: Readonly<Partial<Record<ReconcileActionKind, number>>>;
  readonly byRepository: Readonly<Record<string, RepositoryCounts>>;
  /**
   * In-scope digests found with no final verdict although pushed longer ago than the scan timeout: what the
   * event path missed (a lost push event, a lost schedule). Each is being dealt with; above 0 it alarms.
   */
  readonly withoutVerdict: number;
  /** Approvals re-attested from a newer scan. */
  readonly refreshed: number;
  /** Signing requests this run caused (new approvals and re-attestations). */
  readonly signingQueued: number;
}

interface Tally {
  repositories: number;
  images: number;
  actions: Partial<Record<ReconcileActionKind, number>>;
  byRepository: Record<string, { images: number; actions: Partial<Record<ReconcileActionKind, number>> }>;
  withoutVerdict: number;
  refreshed: number;
  signingQueued: number;
}

class StopRun extends Error {
  public constructor(public readonly why: 'budget' | 'signing-cap') {
    super(why);
  }
}

/**
 * One run of the sweep: pages through the covered repositories and their images from where the last run stopped,
 * and brings each digest in scope to the state the event path would have left it in. Idempotent per
 * `repository@digest`: every action is a use case of the event path with its own idempotency (the push's `once`
 * keys, the record's conditional writes), so an event and a sweep reaching the same digest at once give one
 * verdict, one set of signatures and one announcement.
 */
export const reconcile = async (
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> => {
  const started = await deps.cursor.load();
  const passStartedAt = started?.passStartedAt ?? deps.now().toISOString();
  const correlationId = sweepCorrelationId(passStartedAt);
  const settings: ReconcileSettings = {
    ...deps.settings,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
  };
  // A narrower set of repositories for this run, never a wider one: only covered repositories are swept.
  const selected = (repository: string): boolean =>
    matchesAnyGlob(settings.repositories, repository) &&
    (options.repositories === undefined || matchesAnyGlob(options.repositories, repository));
  const tally: Tally = {
    repositories: 0,
    images: 0,
    actions: {},
    byRepository: {},
    withoutVerdict: 0,
    refreshed: 0,
    signingQueued: 0,
  };
  const scanning = await deps.scanning();
  let cursor: ReconcileCursor = started ?? { passStartedAt };
  const save = async (next: ReconcileCursor | undefined): Promise<void> => {
    if (options.dryRun !== true) await deps.cursor.save(next);
  };

  try {
    let repositoriesToken = cursor.repositoriesToken;
    let resumeAt = cursor.repository;
    for (;;) {
      const page = await deps.inventory.repositories(repositoriesToken);
      for (const repository of page.items) {
        if (resumeAt !== undefined) {
          // Resuming: skip to the repository the last run was in (ECR lists in a stable order).
          if (repository !== resumeAt) continue;
          resumeAt = undefined;
        } else {
          cursor = {
            passStartedAt,
            ...(repositoriesToken === undefined ? {} : { repositoriesToken }),
            repository,
          };
        }
        if (!selected(repository)) continue;
        tally.repositories++;
        await sweepRepository(
          deps,
          settings,
          scanning,
          repository,
          cursor,
          correlationId,
          tally,
          options,
          async (c) => {
            cursor = c;
            await save(c);
          },
          // The position within a page is written only when the run stops: one write per page, not per image.
          (c) => {
            cursor = c;
          },
        );
      }
      if (resumeAt !== undefined) {
        // The repository the cursor named is gone: go on from the start of its page's successors.
        resumeAt = undefined;
      }
      if (page.nextToken === undefined) break;
      repositoriesToken = page.nextToken;
      cursor = { passStartedAt, repositoriesToken };
      await save(cursor);
    }
    await save(undefined);
    return report(passStartedAt, true, undefined, tally);
  } catch (error) {
    if (!(error instanceof StopRun)) throw error;
    await save(cursor);
    return report(passStartedAt, false, error.why, tally);
  }
};

const sweepRepository = async (
  deps: ReconcileDeps,
  settings: ReconcileSettings,
  scanning: RegistryScanning,
  repository: string,
  cursor: ReconcileCursor,
  correlationId: string,
  tally: Tally,
  options: ReconcileOptions,
  advance: (cursor: ReconcileCursor) => Promise<void>,
  position: (cursor: ReconcileCursor) => void,
): Promise<void> => {
  const coverage = scanCoverage(scanning, repository);
  const plan: PlanSettings = { ...settings, scanner: coverage === 'enhanced' ? 'enhanced' : 'basic' };
  const resuming = cursor.repository === repository;
  let imagesToken = resuming ? cursor.imagesToken : undefined;
  let skip = resuming ? (cursor.imagesDone ?? 0) : 0;
  const counts = (tally.byRepository[repository] ??= { images: 0, actions: {} });
  for (;;) {
    if (deps.exhausted()) throw new StopRun('budget');
    const page = await deps.inventory.images(repository, imagesToken);
    if (page === undefined) return;
    for (const [index, image] of page.items.entries()) {
      if (index < skip) continue;
      // Stops between digests only: an action is never cut in half, and the next run starts after the last done.
      if (deps.exhausted()) throw new StopRun('budget');
      if (tally.signingQueued >= settings.signingCap) throw new StopRun('signing-cap');
      const record = await deps.store.get(image);
      const action = planImage(image, record, plan, deps.now());
      // What was done, which the push use case may correct: a manifest the listing could not tell is ours (an
      // untagged earlier `.sig`) is told from its content, as on-push tells it, and is an attachment.
      const done =
        options.dryRun === true ? action.kind : await act(deps, image, record, action, correlationId, tally);
      tally.images++;
      counts.images++;
      tally.actions[done] = (tally.actions[done] ?? 0) + 1;
      counts.actions[done] = (counts.actions[done] ?? 0) + 1;
      if (done === 'timeout' || (done === 'record' && pushedBeforeTimeout(image, settings, deps))) {
        tally.withoutVerdict++;
      }
      position({
        ...cursor,
        repository,
        ...(imagesToken === undefined ? {} : { imagesToken }),
        imagesDone: index + 1,
      });
    }
    skip = 0;
    if (page.nextToken === undefined) return;
    imagesToken = page.nextToken;
    await advance({ ...cursor, repository, imagesToken, imagesDone: 0 });
  }
};

const pushedBeforeTimeout = (
  image: InventoryImage,
  settings: ReconcileSettings,
  deps: ReconcileDeps,
): boolean => deps.now().getTime() - Date.parse(image.pushedAt) > settings.scanTimeoutMinutes * 60_000;

const act = async (
  deps: ReconcileDeps,
  image: InventoryImage,
  record: ImageRecord | undefined,
  action: ReconcileAction,
  correlationId: string,
  tally: Tally,
): Promise<ReconcileActionKind> => {
  const key = { repository: image.repository, digest: image.digest };
  switch (action.kind) {
    case 'record': {
      // As ECR would have told on-push: one event per tag (each tag is checked against the tag rules), or one
      // untagged. The first records the digest and starts its pipeline; the others find it recorded.
      const tags = image.tags.length === 0 ? [undefined] : image.tags;
      for (const tag of tags) {
        let outcome: PushOutcome;
        try {
          outcome = await deps.push(pushEvent(image, tag, correlationId));
        } catch (error) {
          // Its push event arrived after all, and on-push is starting the pipeline now: the image is in hand, and
          // failing the run here would hold up every image after it until that step's lock expires.
          if (error instanceof StepInProgressError) return 'pending';
          throw error;
        }
        if (outcome.kind === 'attachment') return 'attachment';
        if (outcome.kind === 'recorded' && approvedNow(outcome)) tally.signingQueued++;
      }
      return 'record';
    }
    case 'timeout':
      await deps.timeout(key);
      return action.kind;
    case 'judge': {
      const outcome = await deps.judge(key, correlationId);
      if (outcome.kind === 'decided' && outcome.verdict.outcome === 'APPROVED') tally.signingQueued++;
      return action.kind;
    }
    case 'rejudge': {
      const held = await deps.rejudge(
        { ...key, children: record?.children ?? [] },
        `judged again by the sweep: decided under policy ${action.policyDigest ?? '(none recorded)'}, not the deployed one`,
      );
      if (held === 'APPROVED') tally.signingQueued++;
      return action.kind;
    }
    case 'refresh': {
      const outcome = await deps.reattest(key, correlationId);
      if (outcome.kind === 'decided' && outcome.verdict.outcome === 'APPROVED') {
        tally.refreshed++;
        tally.signingQueued++;
      }
      return action.kind;
    }
    case 'rescan':
      await deps.rescan(key);
      return action.kind;
    case 'announce':
      if (record === undefined) return action.kind;
      await deps.announce(record);
      if (record.verdict?.outcome === 'APPROVED') tally.signingQueued++;
      return action.kind;
    case 'out-of-scope':
    case 'attachment':
    case 'pending':
    case 'current':
      return action.kind;
  }
};

const approvedNow = (outcome: Extract<PushOutcome, { kind: 'recorded' }>): boolean =>
  outcome.start?.scans.some((scan) => scan.scan === 'decided' && scan.verdict === 'APPROVED') ?? false;

/** The push event ECR would have sent: the sweep's own correlation id, the time the registry says it was pushed. */
const pushEvent = (
  image: InventoryImage,
  tag: string | undefined,
  correlationId: string,
): ImageActionEvent => ({
  kind: 'image-action',
  eventId: correlationId,
  time: image.pushedAt,
  account: '',
  region: '',
  action: 'PUSH',
  result: 'SUCCESS',
  repository: image.repository,
  digest: image.digest,
  ...(tag === undefined ? {} : { tag }),
  ...(image.manifestMediaType === undefined ? {} : { manifestMediaType: image.manifestMediaType }),
  ...(image.artifactMediaType === undefined ? {} : { artifactMediaType: image.artifactMediaType }),
});

const report = (
  passStartedAt: string,
  complete: boolean,
  stoppedBy: ReconcileReport['stoppedBy'],
  tally: Tally,
): ReconcileReport => ({
  passStartedAt,
  complete,
  ...(stoppedBy === undefined ? {} : { stoppedBy }),
  repositories: tally.repositories,
  images: tally.images,
  actions: tally.actions,
  byRepository: tally.byRepository,
  withoutVerdict: tally.withoutVerdict,
  refreshed: tally.refreshed,
  signingQueued: tally.signingQueued,
});
