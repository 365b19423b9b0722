export {
  handlePush,
  type OnceKey,
  type PipelineStart,
  type ScanStart,
  type PushDeps,
  type PushOutcome,
  type PushSettings,
} from './handle-push';
export { StepInProgressError } from './step-in-progress';
export {
  attachmentManifest,
  attachmentMediaType,
  attachmentTag,
  type AttachmentReason,
} from './own-artifact';
export {
  planImmutability,
  SIGNATURE_TAG_EXCLUSION,
  type ImmutabilityPlan,
  type RepositoryMutability,
} from './immutability';
export { checkTagRules, type TagRules, type TagRuleViolation } from './tag-rules';
export { scanCoverage, type RegistryScanning, type ScanCoverage } from './scan-coverage';
export { indexChildren, indexEntries, type IndexChild, type IndexEntry } from './index-children';
