import type { TollgateConfig } from '../../core/config';
import type { Digest } from '../../core/domain/digest';
import type { ImageRecord } from '../../core/domain/image-record';
import { decisionOrigin } from '../../core/domain/origin';
import type { SignatureFormat } from '../../core/domain/signature-format';
import { attachmentMediaType, attachmentTag } from '../push/own-artifact';

/** One image as the registry lists it (ECR DescribeImages). Untrusted: tags and media types are the pusher's. */
export interface InventoryImage {
  readonly repository: string;
  readonly digest: Digest;
  readonly tags: readonly string[];
  /** ISO 8601. */
  readonly pushedAt: string;
  /** ECR's `lastRecordedPullTime`, ISO 8601; absent when never pulled (or not recorded). */
  readonly lastPulledAt?: string;
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
  /** When the last scan finished, as DescribeImages summarises it; absent when none finished. */
  readonly scanCompletedAt?: string;
}

export type ReconcileScope = TollgateConfig['reconcile']['scope'];

export interface PlanSettings {
  readonly scope: ReconcileScope;
  readonly policyDigest: string;
  readonly scanTimeoutMinutes: number;
  readonly refreshAfterHours: number;
  readonly rescanAfterDays: number;
  /** Basic scanning is the only kind the sweep starts again; Inspector re-scans by itself. */
  readonly scanner: 'basic' | 'enhanced';
  /** `signatures.formats`: an approval missing one of them is announced again, so the signer adds it. */
  readonly formats: readonly SignatureFormat[];
}

/** What the sweep does for one digest. Each action goes through the use case the event path uses. */
export type ReconcileAction =
  /** Out of `reconcile.scope`: counted, not acted on. */
  | { readonly kind: 'out-of-scope' }
  /** Tollgate's or cosign's own artifact, told from its tag or media type: never judged, as on-push does. */
  | { readonly kind: 'attachment' }
  /** No record (or a deleted one for a digest that is back): record and judge it as on-push would. */
  | { readonly kind: 'record' }
  /** Pending within the scan timeout: its scan event or timeout comes. */
  | { readonly kind: 'pending' }
  /** Pending, but the registry says its scan has ended: the scan event was lost, so it is judged now, as on-scan would. */
  | { readonly kind: 'judge' }
  /** Pending past the scan timeout: handled as the timeout handles it (the schedule may have been lost). */
  | { readonly kind: 'timeout' }
  /** Decided under another policy digest: judged again. */
  | { readonly kind: 'rejudge'; readonly policyDigest: string | undefined }
  /** Approved, its attestation older than `refreshAfterHours` and a newer scan on record: re-attest. */
  | { readonly kind: 'refresh'; readonly attestedScanAt: string }
  /** Approved and in use, basic scanning, last scan older than `rescanAfterDays`: scan again. */
  | { readonly kind: 'rescan' }
  /**
   * Decided, but what the decision announces never went out (a crash between the write and the publish), or an
   * approval that still lacks some of its signatures (signing dead-lettered, ECR throttling): announced again.
   * The signer is idempotent, so a signature is never doubled.
   */
  | { readonly kind: 'announce'; readonly why: 'pending' | 'unsigned' }
  /** Decided and current. */
  | { readonly kind: 'current' };

const DAY_MS = 24 * 60 * 60 * 1000;

const olderThan = (iso: string | undefined, ms: number, now: Date): boolean =>
  iso === undefined || now.getTime() - Date.parse(iso) > ms;

/** Tagged, pushed within `maxAgeDays`, or pulled within `pulledWithinDays`. */
export const inScope = (image: InventoryImage, scope: ReconcileScope, now: Date): boolean =>
  (scope.tagged && image.tags.length > 0) ||
  !olderThan(image.pushedAt, scope.maxAgeDays * DAY_MS, now) ||
  (image.lastPulledAt !== undefined && !olderThan(image.lastPulledAt, scope.pulledWithinDays * DAY_MS, now));

/**
 * The one decision of the sweep for one digest, from what the registry lists and what the verdict table holds.
 * Pure: the sweep reads both and the clock.
 */
export const planImage = (
  image: InventoryImage,
  record: ImageRecord | undefined,
  settings: PlanSettings,
  now: Date,
): ReconcileAction => {
  // Own artifacts first, from the listing alone: a sweep over signed images must cost no call per signature.
  if (
    image.tags.some((tag) => attachmentTag(tag) !== undefined) ||
    attachmentMediaType(image.artifactMediaType) !== undefined
  ) {
    return { kind: 'attachment' };
  }
  if (!inScope(image, settings.scope, now)) return { kind: 'out-of-scope' };
  if (record === undefined || record.status === 'DELETED') return { kind: 'record' };
  if (record.status === 'PENDING_SCAN') {
    // From when the pipeline was recorded, not from the push: an image the sweep found long after its push
    // gets the whole scan timeout too.
    if (olderThan(record.updatedAt, settings.scanTimeoutMinutes * 60_000, now)) return { kind: 'timeout' };
    return image.scanCompletedAt === undefined ? { kind: 'pending' } : { kind: 'judge' };
  }
  const verdict = record.verdict;
  if (verdict === undefined) return { kind: 'record' };
  const { policyDigest } = verdict;
  // An ERROR no policy decided (a scan that timed out, a repository nothing scans) is not the policy's to revisit:
  // a late scan event still judges it, and judging it again every sweep would only spend calls.
  const judgedByPolicy = verdict.outcome !== 'ERROR' || policyDigest !== undefined;
  if (judgedByPolicy && policyDigest !== settings.policyDigest) return { kind: 'rejudge', policyDigest };
  // Left a while first: the announcement or the signing may still be on its way.
  const settled = olderThan(record.updatedAt, settings.scanTimeoutMinutes * 60_000, now);
  // An event's handler that fails after recording is retried by Lambda with the same event id, and that retry
  // announces. A sweep that fails there has no such retry: the next sweep is it, so it announces at once rather
  // than leaving the verdict unannounced for the scan timeout (and when the sweep judged an image because its
  // scan event was lost, no event will come for it either).
  const leftBySweep = record.announcer !== undefined && decisionOrigin(record.announcer) === 'sweep';
  if (record.announcementPending === true && (settled || leftBySweep))
    return { kind: 'announce', why: 'pending' };
  if (verdict.outcome !== 'APPROVED') return { kind: 'current' };
  const signed = new Set((record.signatures ?? []).map((signature) => signature.format));
  // ECR refuses referrers whose subject is an index: an index may lack the bundle formats by the registry's choice
  // (its verdict says so, its platform images carry them), and asking again would be refused again.
  const required =
    record.children === undefined
      ? settings.formats
      : settings.formats.filter((format) => format === 'cosign-legacy');
  if (settled && required.some((format) => !signed.has(format))) return { kind: 'announce', why: 'unsigned' };

  const attestedScanAt = verdict.scan.completedAt ?? verdict.decidedAt;
  if (
    olderThan(attestedScanAt, settings.refreshAfterHours * 60 * 60 * 1000, now) &&
    image.scanCompletedAt !== undefined &&
    Date.parse(image.scanCompletedAt) > Date.parse(attestedScanAt)
  ) {
    return { kind: 'refresh', attestedScanAt };
  }
  const inUse =
    image.lastPulledAt === undefined
      ? image.tags.length > 0
      : !olderThan(image.lastPulledAt, settings.scope.pulledWithinDays * DAY_MS, now);
  if (
    settings.scanner === 'basic' &&
    inUse &&
    olderThan(image.scanCompletedAt ?? attestedScanAt, settings.rescanAfterDays * DAY_MS, now)
  ) {
    return { kind: 'rescan' };
  }
  return { kind: 'current' };
};
