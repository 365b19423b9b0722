export {
  EventBridgePublisher,
  entrySize,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  type EventBridgePublisherProps,
} from './eventbridge-publisher';
