import type { TollgateConfig } from '../../core/config';
import type { Digest } from '../../core/domain/digest';
import { ConcurrentUpdateError } from '../../core/domain/errors';
import { matchesAnyGlob } from '../../core/domain/glob';
import type { ImageRecord } from '../../core/domain/image-record';
import type { ImageRef } from '../../core/domain/image-ref';
import { withScope, type ImageScope } from '../../core/domain/image-scope';
import { errorVerdict, type VerdictErrorCode } from '../../core/domain/verdict';
import type { ImageActionEvent } from '../../core/events/normalized';
import {
  tagViolationEvent,
  type TagViolationAction,
  type TagViolationRule,
} from '../../core/events/tag-violation-event';
import type { JudgeOutcome } from '../judge/judge-image';
import { recordVerdict, takeUpAnnouncement } from '../judge/record-verdict';
import { manifestKind } from '../../core/oci/manifest-kind';
import { INDEX_MEDIA_TYPES } from '../../core/oci/media-types';
import type { EcrControl } from '../ports/ecr-control';
import type { EventPublisher, OutgoingEvent } from '../ports/event-publisher';
import type { ScanTimeoutScheduler } from '../ports/scan-timeout-scheduler';
import type { ImageKeyParts, VerdictStore } from '../ports/verdict-store';
import { planImmutability } from './immutability';
import { indexChildren, indexEntries, type IndexChild } from './index-children';
import {
  attachmentManifest,
  attachmentMediaType,
  attachmentTag,
  type AttachmentReason,
} from './own-artifact';
import { scanCoverage } from './scan-coverage';
import { checkTagRules } from './tag-rules';

export type PushSettings = Pick<
  TollgateConfig,
  'repositories' | 'immutability' | 'tagRules' | 'scanTimeoutMinutes' | 'signatures' | 'revocation'
>;

/** What a push handler needs; each one is a port with an SDK adapter behind it. */
export interface PushDeps {
  readonly ecr: EcrControl;
  readonly store: VerdictStore;
  readonly scheduler: ScanTimeoutScheduler;
  readonly publisher: EventPublisher;
  readonly registryHost: () => Promise<string>;
  /**
   * The spoke account and region these adapters act in (their ECR client holds the spoke role's credentials);
   * absent for the hub's own. Every image this push records carries it.
   */
  readonly scope?: ImageScope;
  readonly settings: PushSettings;
  readonly now: () => Date;
  readonly log: (message: string, fields?: Readonly<Record<string, unknown>>) => void;
  /**
   * Judges one image from its current scan result: shared/app/judge `judgeImage`, the same port on-scan and
   * on-timeout use, bound to its adapters by the handler. Called right after the push is recorded, so
   * a scan that finished before that (its event found no record and was skipped) is still judged now.
   * @throws ConcurrentUpdateError when another writer changed the record meanwhile (retried here).
   */
  readonly judge: (image: ImageKeyParts, correlationId?: string) => Promise<JudgeOutcome>;
  /**
   * Runs a step at most once per key, however often the event is delivered, and returns the first run's
   * (JSON) result to the others. Production wraps it with Powertools idempotency (functions/on-push).
   */
  readonly once: <T extends object>(key: OnceKey, run: () => Promise<T>) => Promise<T>;
}

export interface ScanStart {
  readonly digest: string;
  /**
   * `waiting`: a scan runs by itself (or is already running); its event or the timeout follows.
   * `started`: we started a manual scan; its event or the timeout follows.
   * `decided`: the scan had already ended when the push was recorded; judged here, nothing scheduled.
   * `not-scanned`: nothing covers the repository; an ERROR verdict NOT_SCANNED was recorded.
   */
  readonly scan: 'waiting' | 'started' | 'decided' | 'not-scanned';
  /** For `decided`: the verdict the image holds now. */
  readonly verdict?: string;
}

/**
 * One step of one pipeline run of one image: `repository@digest`, plus when its record was (re)created.
 * Duplicate deliveries and second tags find the same record, so the same key; a digest pushed again
 * after it was deleted gets a new record, so a new key, and is scanned and judged again.
 * `step` is `pipeline` for the once-per-image part, and `tag <tag> <push time>` for a tag check, so a
 * redelivered push does not report its tag twice, while the tag pushed again later is checked again.
 */
export interface OnceKey {
  readonly repository: string;
  readonly digest: string;
  readonly scope?: ImageScope;
  readonly since: string;
  readonly step: string;
}

/** What the once-per-digest part did; stored by the idempotency layer, so kept small and JSON. */
export interface PipelineStart {
  readonly scans: readonly ScanStart[];
  readonly immutability: 'compliant' | 'updated' | 'reported';
}

export type PushOutcome =
  | { readonly kind: 'ignored'; readonly reason: 'not-covered' | 'not-successful' }
  | { readonly kind: 'attachment'; readonly reason: AttachmentReason }
  | { readonly kind: 'deleted' }
  /** A DELETE that removed one tag of a digest that is still there. */
  | { readonly kind: 'tag-removed' }
  | { readonly kind: 'image-gone' }
  | {
      readonly kind: 'recorded';
      readonly created: boolean;
      readonly record: ImageRecord;
      readonly start?: PipelineStart;
    };

/** The on-push pipeline step. Every outside effect goes through `deps`. */
export const handlePush = async (deps: PushDeps, event: ImageActionEvent): Promise<PushOutcome> => {
  if (event.result !== 'SUCCESS') return { kind: 'ignored', reason: 'not-successful' };
  if (!matchesAnyGlob(deps.settings.repositories, event.repository))
    return { kind: 'ignored', reason: 'not-covered' };

  // Attachments first, from the event alone: a push of our own signature must cost no call at all.
  const fromEvent = attachmentTag(event.tag) ?? attachmentMediaType(event.artifactMediaType);
  if (fromEvent !== undefined) return { kind: 'attachment', reason: fromEvent };

  if (event.action === 'DELETE') {
    // A DELETE naming a tag may have removed only that tag (BatchDeleteImage by tag, our own `untag`
    // included): the digest, its other tags and its verdict stay. Only a digest that is gone is deleted.
    if (event.tag !== undefined && (await deps.ecr.manifest(event.repository, event.digest)) !== undefined) {
      return { kind: 'tag-removed' };
    }
    await deps.store.markDeleted(
      { repository: event.repository, digest: event.digest, ...withScope(deps.scope) },
      event.time,
    );
    return { kind: 'deleted' };
  }

  const isIndex =
    event.manifestMediaType !== undefined && INDEX_MEDIA_TYPES.includes(event.manifestMediaType);
  // Untagged pushes are where referrers hide; an index must be read to learn its children.
  const stored =
    event.tag === undefined || isIndex ? await deps.ecr.manifest(event.repository, event.digest) : undefined;
  if ((event.tag === undefined || isIndex) && stored === undefined) return { kind: 'image-gone' };
  const fromManifest = stored === undefined ? undefined : attachmentManifest(stored.manifest);
  if (fromManifest !== undefined) return { kind: 'attachment', reason: fromManifest };

  const registry = await deps.registryHost();
  const image: ImageRef = {
    registry,
    repository: event.repository,
    digest: event.digest,
    ...withScope(deps.scope),
  };
  const children =
    isIndex && stored !== undefined ? await childrenOf(deps, event.repository, stored.manifest) : [];
  const { created, record } = await deps.store.recordPush({
    image,
    ...(event.tag === undefined ? {} : { tag: event.tag }),
    ...(event.manifestMediaType === undefined ? {} : { manifestMediaType: event.manifestMediaType }),
    ...(event.artifactMediaType === undefined ? {} : { artifactMediaType: event.artifactMediaType }),
    ...(children.length === 0 ? {} : { children: children.map((child) => child.digest) }),
    pushedAt: event.time,
    correlationId: event.eventId,
  });
  for (const child of children) {
    await deps.store.recordPush({
      image: { registry, repository: event.repository, digest: child.digest, ...withScope(deps.scope) },
      ...(child.platform === undefined ? {} : { platform: child.platform }),
      parent: event.digest,
      pushedAt: event.time,
      correlationId: event.eventId,
    });
  }

  const key = {
    repository: image.repository,
    digest: image.digest,
    ...withScope(image.scope),
    since: record.pushedAt,
  };
  const { tag } = event;
  if (tag !== undefined) {
    await deps.once({ ...key, step: `tag ${tag} ${event.time}` }, () =>
      checkTag(deps, image, tag, event.eventId),
    );
  }

  // Keyed on the record's state, not on `created`: a retry after a crash between recording and
  // starting must still start the pipeline. `once` makes repeated deliveries harmless. A decided record
  // (a redelivery after the verdict) stays as it is: recordPush never moves it back to PENDING_SCAN, and
  // no scan is started nor timeout scheduled for it.
  if (record.status !== 'PENDING_SCAN') {
    // This event's own retry, after judging on push recorded a verdict and then failed before its announcement
    // (a publish that failed, a lost answer, a timeout): it finds the record decided and would return here with the
    // verdict never announced, and no other event is coming for an image whose scan had already ended.
    const announced = await takeUpAnnouncement(deps, record, event.eventId, deps.now());
    if (announced.length > 0) deps.log('announced a verdict left pending', { announced });
    return { kind: 'recorded', created, record };
  }
  const start = await deps.once({ ...key, step: 'pipeline' }, () => startPipeline(deps, record, children));
  return { kind: 'recorded', created, record, start };
};

/** What a tag check did; stored by the idempotency layer. */
interface TagCheck {
  readonly violations: readonly TagViolationRule[];
}

const checkTag = async (
  deps: PushDeps,
  image: ImageRef,
  tag: string,
  correlationId: string,
): Promise<TagCheck> => {
  const at = deps.now().toISOString();
  const violations: { rule: TagViolationRule; message: string; previousDigest?: Digest }[] = [];
  const rule = checkTagRules(tag, deps.settings.tagRules);
  if (rule !== undefined) violations.push(rule);
  const previousDigest = await deps.store.moveTag(image, tag, at);
  if (previousDigest !== undefined) {
    violations.push({
      rule: 'TAG_MOVED',
      message: `tag "${tag}" moved from ${previousDigest} to ${image.digest}`,
      previousDigest,
    });
  }
  if (violations.length === 0) return { violations: [] };

  // Only the offending tag goes; the digest and its other tags stay, and so does its verdict.
  const untag = rule !== undefined && deps.settings.tagRules.action === 'untag';
  if (untag) await deps.ecr.untag(image.repository, tag);
  // A moved tag is only ever reported: the untag action is for tags the rules refuse.
  const actionFor = (rule: TagViolationRule): TagViolationAction =>
    untag && rule !== 'TAG_MOVED' ? 'untagged' : 'reported';
  for (const violation of violations) {
    deps.log('tag violation', { tag, rule: violation.rule, action: actionFor(violation.rule) });
  }
  await deps.publisher.publish(
    violations.map((violation): OutgoingEvent =>
      tagViolationEvent({
        registry: image.registry,
        repository: image.repository,
        digest: image.digest,
        tag,
        rule: violation.rule,
        action: actionFor(violation.rule),
        ...(violation.previousDigest === undefined ? {} : { previousDigest: violation.previousDigest }),
        message: violation.message,
        detectedAt: at,
        correlationId,
      }),
    ),
  );
  return { violations: violations.map((violation) => violation.rule) };
};

// A limit-exceeded scan in one of these states still ends with its own scan event.
const RUNNING_SCAN_STATUSES: readonly string[] = ['IN_PROGRESS', 'PENDING'];

/** Rounds of judging when another writer (on-scan judging the same scan, a second tag) wins the record. */
const JUDGE_ATTEMPTS = 3;

/**
 * Scan events and push events reach Tollgate in any order. A scan event that arrives before the push is
 * recorded finds no record and is skipped (on-scan cannot tell it from an image pushed before Tollgate
 * was installed). So once the record exists, on-push asks for the scan result itself: a scan that has
 * already ended is judged here, exactly as on-scan would, and nothing is scheduled. A scan that has not
 * ended yet ends after the record exists, so its event finds it. Either way one verdict, whatever the order.
 */
const startPipeline = async (
  deps: PushDeps,
  record: ImageRecord,
  children: readonly IndexChild[],
): Promise<PipelineStart> => {
  const { image } = record;
  const immutability = await enforceImmutability(deps, record);
  const coverage = scanCoverage(await deps.ecr.scanningConfiguration(), image.repository);
  const childDigests = children.map((child) => child.digest);
  if (coverage === 'none') return { scans: await recordNotScanned(deps, record, childDigests), immutability };

  const now = deps.now().getTime();
  const deadline = new Date(now + deps.settings.scanTimeoutMinutes * 60_000);
  // Nothing scans a nested index, so it is refused now, before any sibling's verdict can complete the index.
  const nested = children.filter((child) => child.kind === 'index');
  const scans: ScanStart[] = await recordNestedIndexes(deps, record, nested);
  // An index is not scanned itself: its children are, and its verdict waits for theirs.
  const targets =
    children.length > 0
      ? children.filter((child) => child.kind !== 'index').map((child) => child.digest)
      : [image.digest];
  let indexDecided = false;
  if (nested.length > 0 && targets.length === 0) {
    indexDecided = heldVerdict(await judgeNow(deps, image, record.correlationId)) !== undefined;
  }
  for (const digest of targets) {
    const scan = await settleScan(deps, record, digest, coverage === 'manual');
    scans.push(scan.start);
    if (scan.indexDecided) indexDecided = true;
    if (scan.start.scan !== 'decided') {
      await deps.scheduler.scheduleTimeout({ ...image, digest }, deadline);
    }
  }
  // The index's own timeout: if a child never reports, the index must not stay pending forever either.
  if (children.length > 0 && !indexDecided) await deps.scheduler.scheduleTimeout(image, deadline);
  return { scans, immutability };
};

/** Makes sure one digest's scan runs, and judges it when that scan has already ended. */
const settleScan = async (
  deps: PushDeps,
  record: ImageRecord,
  digest: Digest,
  manual: boolean,
): Promise<{ readonly start: ScanStart; readonly indexDecided: boolean }> => {
  if (manual) {
    const started = await startScan(deps, record.image.repository, digest);
    // A scan we just started, or one still running, ends after the record exists: its event decides.
    if (started !== 'ended') return { start: { digest, scan: started }, indexDecided: false };
  }
  const outcome = await judgeNow(deps, { ...record.image, digest }, record.correlationId);
  const verdict = heldVerdict(outcome);
  if (verdict === undefined) {
    deps.log('scan not finished yet: waiting for its event', {
      scanDigest: digest,
      judged: outcome.kind,
      ...(outcome.kind === 'waiting' ? { reason: outcome.reason, scanStatus: outcome.status } : {}),
    });
    return { start: { digest, scan: 'waiting' }, indexDecided: false };
  }
  deps.log('scan had already ended: judged on push', { scanDigest: digest, verdict });
  return {
    start: { digest, scan: 'decided', verdict },
    indexDecided: outcome.index !== undefined && heldVerdict(outcome.index) !== undefined,
  };
};

const judgeNow = async (
  deps: PushDeps,
  image: ImageKeyParts,
  correlationId: string | undefined,
): Promise<JudgeOutcome> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.judge(image, correlationId);
    } catch (error) {
      // Judging is idempotent: the next round re-reads the record, and finds the same scan unchanged.
      if (!(error instanceof ConcurrentUpdateError) || attempt >= JUDGE_ATTEMPTS) throw error;
    }
  }
};

/** The verdict the image holds after judging, or undefined while it still waits for its scan. */
const heldVerdict = (outcome: JudgeOutcome): string | undefined => {
  switch (outcome.kind) {
    case 'decided':
    case 'unchanged':
      return outcome.verdict.outcome;
    default:
      return undefined;
  }
};

/**
 * `started`: a new scan runs. `waiting`: ECR's one-scan-per-24-hours limit, and the scan on record is
 * still running (its event follows). `ended`: the scan on record has ended (or says nothing), so no new
 * event will come: it is judged now.
 */
const startScan = async (
  deps: PushDeps,
  repository: string,
  digest: Digest,
): Promise<'started' | 'waiting' | 'ended'> => {
  const started = await deps.ecr.startImageScan(repository, digest);
  if (started.kind === 'started') return 'started';
  deps.log('manual scan limit reached (one per image per 24 h)', { scanStatus: started.status ?? 'unknown' });
  return started.status !== undefined && RUNNING_SCAN_STATUSES.includes(started.status) ? 'waiting' : 'ended';
};

/**
 * The entries of an index to judge, each told apart by its own manifest: read from ECR by digest, never taken
 * from the index's annotations. An entry ECR cannot serve stays a child: it never gets a verdict, so the index
 * is refused at the scan timeout rather than approved without it.
 */
const childrenOf = async (deps: PushDeps, repository: string, indexJson: string): Promise<IndexChild[]> => {
  const entries = indexEntries(indexJson);
  const manifests = new Map<Digest, string | undefined>(
    await Promise.all(
      entries.map(
        async (entry) =>
          [entry.digest, (await deps.ecr.manifest(repository, entry.digest))?.manifest] as const,
      ),
    ),
  );
  const kinds = new Map(
    [...manifests].map(([digest, manifest]) => [digest, manifestKind(manifest)] as const),
  );
  return indexChildren(entries, kinds, manifests);
};

/**
 * Tollgate judges one level of index: the platform images an index lists. A nested index is refused with an
 * ERROR that names what it lists, so the outer index is refused too and its verdict says which entry and why.
 */
const recordNestedIndexes = (
  deps: PushDeps,
  record: ImageRecord,
  nested: readonly IndexChild[],
): Promise<ScanStart[]> =>
  refuse(
    deps,
    record,
    nested.map((child) => {
      const inside =
        child.manifest === undefined ? [] : indexEntries(child.manifest).map((entry) => entry.digest);
      return {
        digest: child.digest,
        code: 'UNSUPPORTED_ARTIFACT' as const,
        message:
          `nested image index${inside.length === 0 ? '' : ` (listing ${inside.join(', ')})`}: Tollgate judges the ` +
          'platform images of one index level; list them in the top-level index',
      };
    }),
  );

/**
 * Nothing will ever scan these images, so they can never be approved: say so now, with how to fix it,
 * instead of after the timeout. Children first, then the index, each with its own ERROR verdict.
 */
const recordNotScanned = (
  deps: PushDeps,
  record: ImageRecord,
  children: readonly Digest[],
): Promise<ScanStart[]> => {
  const { image } = record;
  const message = `no scanning covers repository ${image.repository}: enable basic scan-on-push, or an Amazon Inspector enhanced scanning rule that matches it (ECR > Private registry > Settings > Scanning)`;
  return refuse(
    deps,
    record,
    [...children, image.digest].map((digest) => ({ digest, code: 'NOT_SCANNED' as const, message })),
  );
};

/** Records an ERROR verdict for each digest still pending, as every decision is recorded (recordVerdict). */
const refuse = async (
  deps: PushDeps,
  record: ImageRecord,
  refusals: readonly { readonly digest: Digest; readonly code: VerdictErrorCode; readonly message: string }[],
): Promise<ScanStart[]> => {
  const scans: ScanStart[] = [];
  for (const { digest, code, message } of refusals) {
    const current =
      digest === record.image.digest ? record : await deps.store.get({ ...record.image, digest });
    if (current?.status !== 'PENDING_SCAN') continue;
    const verdict = errorVerdict(current.image, code, message, deps.now().toISOString());
    await recordVerdict(deps, current, verdict, record.correlationId);
    scans.push({ digest, scan: 'not-scanned' });
  }
  return scans;
};

const enforceImmutability = async (
  deps: PushDeps,
  record: ImageRecord,
): Promise<PipelineStart['immutability']> => {
  const { image } = record;
  const plan = planImmutability(
    await deps.ecr.repositoryMutability(image.repository),
    deps.settings.immutability,
  );
  switch (plan.kind) {
    case 'compliant':
      return 'compliant';
    case 'update':
      deps.log('setting tag immutability', { why: plan.why, mutability: plan.target.mutability });
      await deps.ecr.putRepositoryMutability(image.repository, plan.target);
      return 'updated';
    case 'violation':
      await deps.publisher.publish([
        tagViolationEvent({
          registry: image.registry,
          repository: image.repository,
          digest: image.digest,
          ...(record.tags[0] === undefined ? {} : { tag: record.tags[0] }),
          rule: 'IMMUTABILITY_NOT_ENFORCED',
          action: 'reported',
          message: plan.message,
          detectedAt: deps.now().toISOString(),
          ...correlation(record),
        }),
      ]);
      return 'reported';
  }
};

const correlation = (record: ImageRecord): { correlationId?: string } =>
  record.correlationId === undefined ? {} : { correlationId: record.correlationId };
