export { LocalStackError } from './errors';
export { parseRegistryUrl, type ExternalRegistry } from './registry-url';
export { pushSampleImage, sampleImages, type PushedSample, type SampleImage } from './sample-images';
export {
  DEFAULT_SCAN_DELAY_MS,
  PIPELINE_STAGES,
  startLocalStack,
  type LocalRegistryInfo,
  type LocalStack,
  type LocalStackOptions,
  type PipelineStage,
} from './stack';
export {
  imageProgress,
  renderSummary,
  timedOut,
  verifyCommand,
  type ImageProgress,
  type ImageSummary,
  type LocalSummary,
  type PushedImage,
} from './summary';
export type { DeadLetter, LambdaActivity } from './lambda';
export type { VerdictRecordView } from './verdict-records';
