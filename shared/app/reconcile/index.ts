export {
  inScope,
  planImage,
  type InventoryImage,
  type PlanSettings,
  type ReconcileAction,
  type ReconcileScope,
} from './plan';
export {
  reconcile,
  type ReconcileActionKind,
  type ReconcileDeps,
  type ReconcileOptions,
  type ReconcileReport,
  type ReconcileSettings,
  type RepositoryCounts,
} from './reconcile';
export { PUTS_PER_IMAGE, signingCap, signingSeconds, SWEEP_SHARE } from './budget';
export { sweepSettings } from './settings';
