import { takesUpAnnouncement } from '../../core/domain/announcement';
import { ConcurrentUpdateError } from '../../core/domain/errors';
import type { ImageRecord } from '../../core/domain/image-record';
import type { Verdict } from '../../core/domain/verdict';
import type { TollgateDetailType } from '../../core/events/tollgate-detail-types';
import type { EventPublisher } from '../ports/event-publisher';
import type { VerdictStore } from '../ports/verdict-store';
import { publications, type PublicationSettings } from './publications';
import type { RecordedVerdict } from './recorded-verdict';

/** What recording a verdict touches. */
export interface RecordVerdictDeps {
  readonly store: VerdictStore;
  readonly publisher: EventPublisher;
  readonly settings: PublicationSettings;
}

export type RecordVerdictResult =
  /** Saved by us, published, and its announcement cleared. */
  | {
      readonly kind: 'recorded';
      readonly record: ImageRecord;
      readonly published: readonly TollgateDetailType[];
    }
  /** Another writer stored the same decision first: it announces it (its retry republishes if it crashes). */
  | { readonly kind: 'same-decision'; readonly record: ImageRecord; readonly verdict: RecordedVerdict };

/**
 * The one way a decision is recorded, whoever decides (judge, on-push, on-timeout, the signer): a conditional
 * write of the verdict, which also sets the record's pending announcement; then its events (`publications`);
 * then the announcement is cleared. A crash or a lost answer anywhere in between leaves the flag set, and
 * whoever next finds it publishes again (`announcePending`): at least once, never silently lost.
 *
 * A refused write is either our own write whose answer was lost (the SDK's retry then fails the version check)
 * or another writer's. The record tells which: our verdict stored (same `decidedAt` and outcome) → announce it,
 * nobody else will; the same decision stored by another writer → leave it to that writer, so one decision is
 * not announced twice; anything else → rethrow (retryable), and the retry decides from the newer state.
 * @throws ConcurrentUpdateError when the record moved on to another decision
 */
export const recordVerdict = async (
  deps: RecordVerdictDeps,
  record: ImageRecord,
  verdict: RecordedVerdict,
  correlationId: string | undefined,
  /** The id of the event being handled, if any: its redeliveries may complete the announcement (ImageRecord). */
  announcer?: string,
): Promise<RecordVerdictResult> => {
  let saved: ImageRecord;
  try {
    saved = await deps.store.saveVerdict(record.image, verdict, record.version, announcer);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    return afterLostWrite(deps, record, verdict, correlationId, error);
  }
  return { kind: 'recorded', record: saved, published: await announce(deps, saved, verdict, correlationId) };
};

/** Publishes a recorded verdict's events, then clears the record's pending announcement. */
export const announce = async (
  deps: RecordVerdictDeps,
  record: ImageRecord,
  verdict: Verdict,
  correlationId: string | undefined,
): Promise<readonly TollgateDetailType[]> => {
  const events = publications({
    record,
    verdict,
    settings: deps.settings,
    ...(correlationId === undefined ? {} : { correlationId }),
  });
  if (events.length > 0) await deps.publisher.publish(events);
  await deps.store.markAnnounced(record.image, verdict.decidedAt);
  return events.map((event) => event.detailType);
};

/**
 * Completes an announcement a crashed or refused writer left pending: for a path that finds a decided record
 * and would otherwise do nothing with it (the signer refusing an ERROR it recorded itself, say).
 */
export const announcePending = async (
  deps: RecordVerdictDeps,
  record: ImageRecord | undefined,
): Promise<readonly TollgateDetailType[]> => {
  if (record?.status !== 'DECIDED' || record.announcementPending !== true || record.verdict === undefined)
    return [];
  return announce(deps, record, record.verdict, record.correlationId);
};

/**
 * Completes a pending announcement when it is `announcer`'s to take up (`takesUpAnnouncement`): the retry of the
 * writer's own event, a writer that left no id, or an overdue one. For the paths that return early on a decided
 * record (on-push's redelivery, the timeout's retry), which would otherwise leave their own announcement pending.
 */
export const takeUpAnnouncement = async (
  deps: RecordVerdictDeps,
  record: ImageRecord | undefined,
  announcer: string | undefined,
  now: Date,
): Promise<readonly TollgateDetailType[]> => {
  if (record === undefined || !takesUpAnnouncement(record, announcer, now)) return [];
  return announcePending(deps, record);
};

const afterLostWrite = async (
  deps: RecordVerdictDeps,
  record: ImageRecord,
  verdict: RecordedVerdict,
  correlationId: string | undefined,
  error: ConcurrentUpdateError,
): Promise<RecordVerdictResult> => {
  const current = await deps.store.get(record.image);
  const stored = current?.verdict as RecordedVerdict | undefined;
  if (current === undefined || current.status !== 'DECIDED' || stored === undefined) throw error;
  if (stored.decidedAt === verdict.decidedAt && stored.outcome === verdict.outcome) {
    return {
      kind: 'recorded',
      record: current,
      published: await announce(deps, current, verdict, correlationId),
    };
  }
  const sameDecision =
    stored.outcome === verdict.outcome &&
    stored.findingsFingerprint !== undefined &&
    stored.findingsFingerprint === verdict.findingsFingerprint &&
    stored.policyDigest === verdict.policyDigest;
  if (sameDecision) return { kind: 'same-decision', record: current, verdict: stored };
  throw error;
};
