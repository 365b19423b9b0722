export { judgeImage, type JudgeDeps, type JudgeOptions, type JudgeOutcome } from './judge-image';
export { judge, type IndexChild, type JudgeDecision, type ScanObservation, type WaitReason } from './judge';
export { publications, type PublicationInput, type PublicationSettings } from './publications';
export { findingsFingerprint } from './fingerprint';
export { FAILED_SCAN_STATUSES, isFailedScanStatus, type FailedScanStatus } from './scan-statuses';
export type { RecordedVerdict, VerdictRecordExtras } from './recorded-verdict';
export { handleScanTimeout, type TimeoutOutcome } from './handle-timeout';
export { rejudge, type RejudgeRequest } from './rejudge';
export { judgeScanEvent, type OutcomeObserver, type ScanEventOutcome } from './judge-scan-event';
