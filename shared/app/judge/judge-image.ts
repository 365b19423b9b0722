import type { Finding } from '../../core/domain/finding';
import type { ImageScope } from '../../core/domain/image-scope';
import { imageKeyParts } from '../../core/domain/image-ref';
import type { ImageRecord } from '../../core/domain/image-record';
import { takesUpAnnouncement } from '../../core/domain/announcement';
import { FindingsValidationError, parseScanFindings } from '../../core/findings';
import type { TollgateDetailType } from '../../core/events/tollgate-detail-types';
import type { LoadedPolicy } from '../../core/policy';
import type { EventPublisher } from '../ports/event-publisher';
import type { FindingsSource } from '../ports/findings-source';
import type { ImageKeyParts, VerdictStore } from '../ports/verdict-store';
import { judge, type JudgeDecision, type ScanObservation, type WaitReason } from './judge';
import type { PublicationSettings } from './publications';
import { announce, recordVerdict } from './record-verdict';
import type { RecordedVerdict } from './recorded-verdict';

/** Everything judging touches; each one a port with an SDK adapter behind it (shared/adapters/runtime/judge-adapters). */
export interface JudgeDeps {
  readonly store: VerdictStore;
  readonly findings: FindingsSource;
  readonly publisher: EventPublisher;
  /** The bundled policy, loaded once per container. */
  readonly policy: LoadedPolicy;
  readonly settings: PublicationSettings;
  readonly now: () => Date;
  /** The spoke account and region `findings` reads in (shared/core/domain/image-scope); absent for the hub's own. */
  readonly scope?: ImageScope;
}

export interface JudgeOptions {
  /** The scan status the triggering event reported: decides when ECR has no scan on record. */
  readonly reportedStatus?: string;
  /** A finding the triggering event reported (Inspector2 Finding), judged even if the scan does not list it yet. */
  readonly reportedFinding?: Finding;
  /** Judge only an image that already has a verdict (re-evaluation); a pending one waits for its scan. */
  readonly onlyIfDecided?: boolean;
  /**
   * Decide, but write and publish nothing: for EventBridge replays, which must never re-sign or
   * re-alert. The outcome still says what the verdict would be.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Judge this image alone, not its index after it: for a caller that judges every platform image of an index in
   * turn and the index once at the end, so no half-re-judged index is decided (and announced) in between.
   * @default true
   */
  readonly withIndex?: boolean;
  /** A line added to the warnings of a new verdict, saying why it was judged again. */
  readonly note?: string;
  /**
   * Decide an unchanged approval again when its scan is newer than the recorded one, so its attestation is
   * re-issued from that scan (the sweep's refresh). Only ever re-approves: a changed decision is decided anyway.
   * @default false
   */
  readonly reattest?: boolean;
}

export type JudgeOutcome =
  /** No record: the image was never pushed through Tollgate (or not in a covered repository). */
  (
    | { readonly kind: 'unknown-image' }
    | { readonly kind: 'deleted' }
    /** `onlyIfDecided` and the image has no verdict yet: its scan event decides first. */
    | { readonly kind: 'not-judged-yet' }
    /** Nothing to decide yet: a later event, or the scan timeout, comes back. */
    | {
        readonly kind: 'waiting';
        readonly reason: WaitReason;
        readonly status?: string;
        readonly message: string;
      }
    | {
        readonly kind: 'unchanged';
        readonly verdict: RecordedVerdict;
        /** Published again because the first attempt recorded the verdict but did not announce it. */
        readonly published: readonly TollgateDetailType[];
      }
    | {
        readonly kind: 'decided';
        readonly verdict: RecordedVerdict;
        /** The record as saved with the verdict (as read, on a dry run). */
        readonly record: ImageRecord;
        /** The image's first verdict, not a re-evaluation: what push-to-verdict time measures. */
        readonly firstVerdict: boolean;
        /** Detail types published, in order; empty on a dry run. */
        readonly published: readonly TollgateDetailType[];
        readonly dryRun: boolean;
      }
  ) & {
    /** For a platform image of an index: the outcome of judging the index after it. */
    readonly index?: JudgeOutcome;
  };

/**
 * Judges one image from its current scan result: reads the record and the findings, decides (see
 * `judge`), records the verdict with a conditional write and announces it. Safe to call any number of
 * times: an unchanged decision writes and publishes nothing, unless its first announcement never completed. A lost race on the record throws
 * `ConcurrentUpdateError` (retryable): the retry re-reads and decides from the newer state.
 *
 * Used by on-scan for scan and finding events, and by on-timeout for a scan that finished without an event.
 */
export const judgeImage = async (
  deps: JudgeDeps,
  image: ImageKeyParts,
  correlationId?: string,
  options: JudgeOptions = {},
): Promise<JudgeOutcome> => {
  const key: ImageKeyParts = imageKeyParts(image);
  const record = await deps.store.get(key);
  if (record === undefined) return { kind: 'unknown-image' };
  if (record.status === 'DELETED') return { kind: 'deleted' };
  if (options.onlyIfDecided === true && record.status !== 'DECIDED') return { kind: 'not-judged-yet' };

  const decision = judge(record, await observe(deps, record, options), deps.policy, deps.now(), {
    reattest: options.reattest === true,
  });
  const outcome = await apply(
    deps,
    record,
    decision,
    correlationId ?? record.correlationId,
    options,
    correlationId,
  );
  if (record.parent === undefined || outcome.kind === 'deleted' || options.withIndex === false)
    return outcome;
  // A platform image's verdict may complete its index's. Also when unchanged: a retry after losing the
  // race on the index record must still get the index judged.
  const index = await judgeImage(deps, { ...key, digest: record.parent }, correlationId, {
    ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
  });
  return { ...outcome, index };
};

const observe = async (
  deps: JudgeDeps,
  record: ImageRecord,
  options: JudgeOptions,
): Promise<ScanObservation> => {
  const key = imageKeyParts(record.image);
  if (record.children !== undefined) {
    // An index is not scanned itself: its verdict is its platform images' verdicts.
    const children = await Promise.all(
      record.children.map(async (child) => ({
        digest: child,
        record: await deps.store.get({ ...key, digest: child }),
      })),
    );
    return { kind: 'index', children };
  }
  const read = await deps.findings.read(key);
  if (read.kind === 'not-found') {
    return {
      kind: 'no-scan',
      message: read.message,
      ...(options.reportedStatus === undefined ? {} : { status: options.reportedStatus }),
    };
  }
  try {
    return {
      kind: 'scan',
      scan: parseScanFindings(read.pages, `${key.repository}@${key.digest}`),
      ...(options.reportedFinding === undefined ? {} : { reported: [options.reportedFinding] }),
    };
  } catch (error) {
    if (error instanceof FindingsValidationError) return { kind: 'unreadable', message: error.message };
    throw error;
  }
};

const apply = async (
  deps: JudgeDeps,
  record: ImageRecord,
  decision: JudgeDecision,
  correlationId: string | undefined,
  options: JudgeOptions,
  /** The triggering event's own id, when there is one (ImageRecord `announcer`). */
  announcer: string | undefined,
): Promise<JudgeOutcome> => {
  switch (decision.kind) {
    case 'skip':
      return { kind: 'deleted' };
    case 'wait':
      return {
        kind: 'waiting',
        reason: decision.reason,
        ...(decision.status === undefined ? {} : { status: decision.status }),
        message: decision.message,
      };
    case 'unchanged': {
      // The verdict stands, but a crash or a lost answer may have come between recording and publishing it:
      // the retry publishes what the first attempt could not. Otherwise a duplicate changes nothing; nor does
      // another judge finding the announcement pending while its writer is most likely still publishing it.
      if (
        record.announcementPending !== true ||
        record.status !== 'DECIDED' ||
        options.dryRun === true ||
        !takesUpAnnouncement(record, announcer, deps.now())
      ) {
        return { kind: 'unchanged', verdict: decision.verdict, published: [] };
      }
      const published = await announce(deps, record, decision.verdict, correlationId);
      return { kind: 'unchanged', verdict: decision.verdict, published };
    }
    case 'decide': {
      const verdict =
        options.note === undefined
          ? decision.verdict
          : { ...decision.verdict, warnings: [...decision.verdict.warnings, options.note] };
      const firstVerdict = record.status === 'PENDING_SCAN';
      if (options.dryRun === true) {
        return { kind: 'decided', verdict, record, firstVerdict, published: [], dryRun: true };
      }
      const result = await recordVerdict(deps, record, verdict, correlationId, announcer);
      if (result.kind === 'same-decision')
        return { kind: 'unchanged', verdict: result.verdict, published: [] };
      return {
        kind: 'decided',
        verdict,
        record: result.record,
        firstVerdict,
        published: result.published,
        dryRun: false,
      };
    }
  }
};
