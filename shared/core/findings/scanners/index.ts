export { readScanReport, type ReadReport, type ReadReportOptions } from './read';
export { detectReportFormat, confirmReportFormat } from './detect';
export {
  parseTrivyReport,
  trivyReportSchema,
  trivyCvss,
  trivyFixAvailable,
  TRIVY_SEVERITIES,
  TRIVY_STATUS_FIX,
} from './trivy';
export {
  parseGrypeReport,
  grypeReportSchema,
  grypeCvss,
  grypeFixAvailable,
  GRYPE_SEVERITIES,
  GRYPE_FIX_STATES,
} from './grype';
export { assertReportImage } from './image';
export {
  MAX_REPORT_BYTES,
  MAX_REPORT_DEPTH,
  MAX_REPORT_FINDINGS,
  assertDepth,
  assertFindingCount,
  describeByteLimit,
} from './limits';
export { REPORT_SCAN_STATUS, printable, type ReportScanner, type ScannerReport } from './report';
export {
  EXPECTED_FORMATS,
  REPORT_FORMATS,
  ImageMismatchError,
  ReportLimitError,
  ScannerReportValidationError,
  UnrecognizedReportError,
  type ImageMismatchReason,
  type ReportFormat,
  type ReportLimit,
  type UnrecognizedReportReason,
} from './errors';
