/** The `source` of every event Tollgate puts on its bus. */
export const TOLLGATE_SOURCE = 'tollgate';

/** Public contract: downstream teams write rules against these (docs/events.md). */
export const IMAGE_VERDICT = 'Tollgate Image Verdict';
export const TAG_VIOLATION = 'Tollgate Tag Violation';
/**
 * Internal hand-off from judging to signing. A separate event rather than a direct call, so a
 * signing failure retries (and dead-letters) on its own without re-judging the image.
 */
export const SIGNING_REQUESTED = 'Tollgate Signing Requested';
/** A formatted alert for one webhook (`detail.channel`); its API destination sends `detail.body`. */
export const TOLLGATE_ALERT = 'Tollgate Alert';

export type TollgateDetailType =
  typeof IMAGE_VERDICT | typeof TAG_VIOLATION | typeof SIGNING_REQUESTED | typeof TOLLGATE_ALERT;
