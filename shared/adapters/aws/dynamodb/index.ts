export { DynamoVerdictStore, mergePush, type DynamoVerdictStoreProps } from './verdict-store';
export { CURSOR_KEY, DynamoReconcileCursor, type DynamoReconcileCursorProps } from './reconcile-cursor';
