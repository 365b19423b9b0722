export * from './normalized';
export {
  parseEvent,
  parseImageActionEvent,
  normalizeImageActionEvent,
  parseImageScanEvent,
  parseFindingEvent,
  toValidationIssues,
} from './parse';
export { ecrImageActionEventSchema, ECR_IMAGE_ACTION } from './ecr-image-action';
export { ecrImageScanEventSchema, ECR_IMAGE_SCAN, ECR_SCAN_STATUSES } from './ecr-image-scan';
export { inspector2ScanEventSchema, INSPECTOR2_SCAN } from './inspector2-scan';
export { inspector2FindingEventSchema, INSPECTOR2_FINDING } from './inspector2-finding';
export { parseEventTime } from './inspector-time';
export { digestSchema, imageScopeSchema, repositoryNameSchema, tagSchema } from './primitives';
export * from './tollgate-detail-types';
export * from './verdict-event';
export * from './tag-violation-event';
export * from './signing-requested';
export { reconcileRequestSchema, type ReconcileRequest } from './reconcile-request';
