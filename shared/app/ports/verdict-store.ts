import type { Digest } from '../../core/domain/digest';
import type { ImageRecord } from '../../core/domain/image-record';
import type { ImageRef } from '../../core/domain/image-ref';
import type { SignatureRef, Verdict } from '../../core/domain/verdict';

export type ImageKeyParts = Pick<ImageRef, 'repository' | 'digest' | 'scope'>;

export interface PushRecordInput {
  readonly image: ImageRef;
  readonly tag?: string;
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
  readonly platform?: string;
  readonly parent?: Digest;
  readonly children?: readonly Digest[];
  readonly pushedAt: string;
  readonly correlationId?: string;
}

export interface PushRecordResult {
  /** False when the digest was already known: the caller must not start a second pipeline. */
  readonly created: boolean;
  readonly record: ImageRecord;
}

/**
 * The verdict table. Every write is conditional, so duplicate, late and concurrent events
 * cannot overwrite a newer state; a lost race surfaces as `ConcurrentUpdateError` (retryable).
 */
export interface VerdictStore {
  get(image: ImageKeyParts): Promise<ImageRecord | undefined>;
  /** Creates a PENDING_SCAN record, or adds the tag to an existing one. Never touches a verdict. */
  recordPush(input: PushRecordInput): Promise<PushRecordResult>;
  /**
   * Records the verdict with its announcement pending, and who is announcing it (`announcer`: the id of the event
   * being handled, absent when there is none).
   * @throws ConcurrentUpdateError when the record is no longer at `expectedVersion`.
   */
  saveVerdict(
    image: ImageKeyParts,
    verdict: Verdict,
    expectedVersion: number,
    announcer?: string,
  ): Promise<ImageRecord>;
  /** @throws ConcurrentUpdateError when the record is no longer at `expectedVersion`. */
  saveSignatures(
    image: ImageKeyParts,
    signatures: readonly SignatureRef[],
    expectedVersion: number,
  ): Promise<ImageRecord>;
  /**
   * Clears `announcementPending` (and `announcer`) once the events of the verdict decided at `decidedAt` are
   * published. Does not count as a change (the version stays), so it never races a signer's write. False when the
   * record now holds another verdict: its own writer announces that one.
   */
  markAnnounced(image: ImageKeyParts, decidedAt: string): Promise<boolean>;
  /**
   * Takes the right to sign the verdict decided at `decidedAt` until `lease.until`, unless another holder has it
   * and it has not expired. The same holder (a retry of the same request) takes it again; a lease that ends after
   * `lease.until` is no signer's (each lasts one term) and is taken over, and one on an earlier decision holds
   * nothing. Not a change either: the version stays. False when someone else holds it, or the record holds
   * another verdict.
   */
  claimSigning(image: ImageKeyParts, lease: SigningLease): Promise<boolean>;
  /** Gives the lease back, if `holder` still has it, so a later request is not turned away. */
  releaseSigning(image: ImageKeyParts, holder: string): Promise<void>;
  markDeleted(image: ImageKeyParts, at: string): Promise<void>;
  /**
   * Points `repository:tag` at `digest` and returns the digest it pointed at before, when that
   * differs: how a moved tag in a mutable repository is detected.
   */
  moveTag(image: ImageKeyParts, tag: string, at: string): Promise<Digest | undefined>;
}

/** Who is signing a decision, and until when: two announcements of one decision must not both sign it. */
export interface SigningLease {
  readonly decidedAt: string;
  /** The signing request's event id: stable across Lambda's retries of that event, different for a duplicate. */
  readonly holder: string;
  /** ISO 8601. */
  readonly now: string;
  /** ISO 8601. */
  readonly until: string;
}
