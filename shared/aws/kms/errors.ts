import { RetryableError, TerminalError, type TollgateError } from '../../domain';

// KMS says these pass on retry; everything else (AccessDenied, NotFound, Disabled, invalid state or usage) does not.
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'ServiceUnavailableException',
  'RequestTimeout',
  'TimeoutError',
]);

interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Maps an AWS SDK KMS failure to retryable or terminal, keeping the SDK error as `cause`. */
export const kmsError = (error: unknown, action: string, keyId: string): TollgateError => {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const name = shape.name ?? 'Error';
  const message = `KMS ${action} with ${keyId} failed: ${name}: ${shape.message ?? String(error)}`;
  // No HTTP status at all means the request never got an answer: a network failure.
  const retryable =
    RETRYABLE_NAMES.has(name) ||
    shape.$retryable !== undefined ||
    status === undefined ||
    status >= 500 ||
    status === 429;
  return retryable
    ? new RetryableError('DEPENDENCY_UNAVAILABLE', message, { cause: error })
    : new TerminalError('SIGNING_FAILED', message, { cause: error });
};
