export {
  HttpWebhookTransport,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type HttpTransportOptions,
} from './http-transport';
export { SecretsManagerSource, type SecretsManagerSourceProps } from './secrets-manager';
