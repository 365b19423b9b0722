import type { Digest } from '../domain/digest';
import type { Finding, SeverityCounts } from '../domain/finding';
import type { Scanner } from '../domain/verdict';

/** What every normalized event keeps of its envelope: enough to correlate, order and detect replays. */
export interface EventOrigin {
  readonly eventId: string;
  readonly time: string;
  readonly account: string;
  readonly region: string;
  /** Set when EventBridge replays the event from an archive; replays must not re-sign or re-alert. */
  readonly replayName?: string;
}

export interface ImageActionEvent extends EventOrigin {
  readonly kind: 'image-action';
  readonly action: 'PUSH' | 'DELETE';
  readonly result: 'SUCCESS' | 'FAILURE';
  readonly repository: string;
  readonly digest: Digest;
  readonly tag?: string;
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
}

/** Both `ECR Image Scan` and `Inspector2 Scan`, told apart by `scanner`. */
export interface ImageScanEvent extends EventOrigin {
  readonly kind: 'image-scan';
  readonly scanner: Scanner;
  readonly status: string;
  readonly repository: string;
  readonly digest: Digest;
  readonly tags: readonly string[];
  readonly severityCounts: SeverityCounts;
}

export interface FindingEvent extends EventOrigin {
  readonly kind: 'finding';
  readonly findingArn: string;
  readonly status: 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';
  readonly updatedAt: string;
  readonly images: readonly {
    readonly repository: string;
    readonly digest: Digest;
    readonly tags: readonly string[];
  }[];
  readonly finding: Finding;
}

export type TollgateEvent = ImageActionEvent | ImageScanEvent | FindingEvent;
