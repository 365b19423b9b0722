export { startAwsStandIn } from './stand-in';
export type { AwsStandIn, AwsStandInOptions, EcrHelpers, EventLoss, KmsHelpers, SnsHelpers } from './options';
export type { MessageAttribute, PublishedMessage } from './sns';
export {
  artifactMediaType,
  imageActionEvent,
  type EventOrigin,
  type ImageAction,
  type ObservedPush,
  type RegistryConnection,
} from './ecr';
export type { EventEnvelope, RecordedEvent } from './event-envelope';
export type { EventListener } from './event-log';
export type { AwsFaults, FaultSpec } from './faults';
export type { ScheduleFiring, ScheduleListener, ScheduleView } from './scheduler';
export { FINDINGS_LABEL, type SimulatedFinding } from './scan/findings-source';
export type { ScanRecord } from './scan/simulated-scan';
export { NOTIFICATIONS_PATH } from './notifications';
export type { InvocationType, InvokeListener, InvokeOutcome } from './lambda-invoke';
