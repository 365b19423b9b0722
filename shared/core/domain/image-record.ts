import type { Digest } from './digest';
import type { ImageRef } from './image-ref';
import type { SignatureRef, Verdict } from './verdict';

/**
 * Where an image is in the pipeline. Only DECIDED records carry a verdict; DELETED keeps the
 * last verdict for audit, because a digest can be pushed again and must then be judged again.
 */
export type ImageStatus = 'PENDING_SCAN' | 'DECIDED' | 'DELETED';

/** One row of the verdict table per `repository@digest`: the pipeline's single source of truth. */
export interface ImageRecord {
  readonly image: ImageRef;
  /** Every tag seen pushed for this digest. A second tag adds to this; it never starts a second pipeline. */
  readonly tags: readonly string[];
  readonly status: ImageStatus;
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
  /** `os/arch[/variant]` of a child manifest of an index. */
  readonly platform?: string;
  /** The index that lists this manifest, when it was recorded as a child. */
  readonly parent?: Digest;
  /** The child manifests of an index; the index's verdict waits for all of them. */
  readonly children?: readonly Digest[];
  readonly pushedAt: string;
  /** Id of the event that started the pipeline, carried into every verdict event for tracing. */
  readonly correlationId?: string;
  readonly verdict?: Verdict;
  readonly signatures?: readonly SignatureRef[];
  /**
   * Set with every verdict, cleared once its events are on the bus. Writing the verdict and publishing it are
   * two calls; a crash or a lost answer between them would otherwise leave a verdict recorded and never
   * announced, because the retry finds the verdict unchanged. Absent on records written before the flag.
   */
  readonly announcementPending?: boolean;
  /**
   * With `announcementPending`: the id of the event whose handling recorded the verdict and is announcing it. A
   * redelivery or retry of that event takes the announcement up again; another event leaves it to that one
   * until it is overdue (`takesUpAnnouncement`), so two judges of one decision do not announce it twice.
   */
  readonly announcer?: string;
  /**
   * Incremented by every write. Writers pass the version they read; a mismatch means someone
   * else wrote in between, and the write is refused rather than silently overwriting.
   */
  readonly version: number;
  readonly updatedAt: string;
}
