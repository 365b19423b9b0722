/**
 * Scan statuses that end a scan without findings anyone can judge. Each gives an ERROR verdict naming
 * the status, whatever the policy's `completeStatuses` say: a failed scan is never approved.
 */
export const FAILED_SCAN_STATUSES = [
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'FINDINGS_UNAVAILABLE',
  'SCAN_ELIGIBILITY_EXPIRED',
  'LIMIT_EXCEEDED',
] as const;

export type FailedScanStatus = (typeof FAILED_SCAN_STATUSES)[number];

export const isFailedScanStatus = (status: string): status is FailedScanStatus =>
  (FAILED_SCAN_STATUSES as readonly string[]).includes(status);
