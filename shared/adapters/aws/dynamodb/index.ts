export { DynamoVerdictStore, mergePush, type DynamoVerdictStoreProps } from './verdict-store';
