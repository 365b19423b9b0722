import { errorVerdict } from '../../core/domain/verdict';
import type { ImageKeyParts } from '../ports/verdict-store';
import { judgeImage, type JudgeDeps, type JudgeOutcome } from './judge-image';
import { recordVerdict, takeUpAnnouncement } from './record-verdict';

export type TimeoutOutcome =
  | { readonly kind: 'not-pending' }
  /** The scan had finished and only its event was lost (ECR events are best effort). */
  | { readonly kind: 'judged'; readonly outcome: JudgeOutcome }
  | { readonly kind: 'timed-out' };

/**
 * The scan-timeout schedule fired. The record may have been decided long ago (nothing to do), or the
 * scan finished without its event reaching us (judge it now), or nothing ever came back: then the
 * image gets an ERROR verdict `SCAN_TIMEOUT`, which is never signed.
 */
export const handleScanTimeout = async (
  deps: JudgeDeps & { readonly scanTimeoutMinutes: number },
  key: ImageKeyParts,
): Promise<TimeoutOutcome> => {
  const record = await deps.store.get(key);
  // The retry of a timeout that recorded its verdict and failed before announcing it: nothing else will (its scan
  // never reported, which is why it timed out). The timeout records with no announcer, so its retry takes it up.
  await takeUpAnnouncement(deps, record, undefined, deps.now());
  if (record?.status !== 'PENDING_SCAN') return { kind: 'not-pending' };
  const outcome = await judgeImage(deps, key);
  if (outcome.kind !== 'waiting') return { kind: 'judged', outcome };

  const verdict = errorVerdict(
    record.image,
    'SCAN_TIMEOUT',
    `no scan result ${deps.scanTimeoutMinutes} minutes after the push${outcome.status === undefined ? '' : ` (scan status ${outcome.status})`}`,
    deps.now().toISOString(),
  );
  // Re-read: judging an index may have touched nothing, but a late scan event may have raced us.
  const current = await deps.store.get(key);
  if (current?.status !== 'PENDING_SCAN') return { kind: 'not-pending' };
  await recordVerdict(deps, current, verdict, current.correlationId);
  return { kind: 'timed-out' };
};
