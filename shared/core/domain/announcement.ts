import type { ImageRecord } from './image-record';

/**
 * How long a pending announcement stays its announcer's. Past it, whoever finds the verdict still unannounced
 * announces it. Longer than Lambda's asynchronous retries of the announcer's own event (about 1 and 2 minutes
 * apart), which republish it themselves; should those fail too, the next event or the sweep takes it up.
 */
export const ANNOUNCEMENT_GRACE_MS = 5 * 60_000;

/**
 * Whether the handler of event `announcer` should publish a verdict whose announcement is still pending. The
 * writer publishes right after recording, so another judge that finds the flag set (on-push and on-scan judging
 * the same scan, say) is most likely inside that writer's publish: announcing too would announce one decision
 * twice, and sign it twice. Its own redelivery or retry (the same event id) takes it up at once; anyone else
 * only once the grace has passed, or when the writer left no id. Pure.
 */
export const takesUpAnnouncement = (
  record: Pick<ImageRecord, 'announcer' | 'verdict'>,
  announcer: string | undefined,
  now: Date,
): boolean => {
  if (record.announcer === undefined || record.announcer === announcer) return true;
  const decidedAt = Date.parse(record.verdict?.decidedAt ?? '');
  return Number.isNaN(decidedAt) || now.getTime() - decidedAt >= ANNOUNCEMENT_GRACE_MS;
};
