import type { Verdict } from '../../core/domain/verdict';
import type { VerdictExceptionReport } from '../../core/events/verdict-event';

/**
 * What the judge records beside the verdict itself. Stored with the verdict in the record, so a later
 * event can be compared with what was decided, and the verdict event can list the exception report.
 */
export interface VerdictRecordExtras extends VerdictExceptionReport {
  /**
   * sha256 over the scan status and the normalized findings that were judged (`findingsFingerprint`).
   * A late or duplicate event that reads the same findings under the same policy changes nothing.
   */
  readonly findingsFingerprint?: string;
}

export type RecordedVerdict = Verdict & VerdictRecordExtras;
