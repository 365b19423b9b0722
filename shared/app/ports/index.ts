export type {
  ImageKeyParts,
  PushRecordInput,
  PushRecordResult,
  SigningLease,
  VerdictStore,
} from './verdict-store';
export type { EventPublisher, OutgoingEvent } from './event-publisher';
export type { ScanTimeoutScheduler } from './scan-timeout-scheduler';
export type { EcrControl, StartScanResult, StoredManifest } from './ecr-control';
export type { FindingsRead, FindingsSource } from './findings-source';
export type { InventoryPage, RegistryInventory } from './registry-inventory';
export type { ReconcileCursor, ReconcileCursorStore } from './reconcile-cursor';
