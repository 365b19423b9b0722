export { parseScanFindings, type ScanFindings } from './parse';
export { FindingsValidationError } from './errors';
export { scanFindingsPageSchema, type ScanFindingsPage } from './page';
export { basicFindingSchema } from './basic-finding';
export { enhancedFindingSchema, type EnhancedFinding } from './enhanced-finding';
export { awsTimestampSchema } from './timestamp';
