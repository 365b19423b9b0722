import { RetryableError, TerminalError, type ErrorCode, type TollgateError } from '../../core/domain/errors';

/**
 * Error names AWS services use for "try again": throttling, their own internal failures, timeouts. Every other
 * named error (access denied, not found, validation, a disabled key) stays as it is however often it is retried.
 */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'ServiceUnavailableException',
  'InternalServerException',
  'RequestTimeout',
  'TimeoutError',
]);

interface SdkErrorShape {
  readonly name?: string;
  readonly $fault?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Whether an AWS SDK v3 failure may pass on retry: one rule for every adapter. Retryable: a transient name, what
 * the SDK marks retryable or a server fault, a 5xx or 429, and no HTTP status and no fault at all (the request
 * never got an answer: a network failure). A client fault is terminal unless its name says otherwise. Everything else is terminal.
 */
export const isRetryableSdkError = (error: unknown): boolean => {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  return (
    TRANSIENT_NAMES.has(shape.name ?? '') ||
    shape.$retryable !== undefined ||
    shape.$fault === 'server' ||
    // No answer at all (a network failure): the SDK names no fault, and there is no status.
    (status === undefined && shape.$fault === undefined) ||
    (status !== undefined && status >= 500) ||
    status === 429
  );
};

/**
 * Maps an AWS SDK failure to Tollgate's two kinds, keeping the SDK error as `cause`: retryable (thrown, so Lambda
 * retries and then dead-letters) or terminal with `terminalCode` (an ERROR verdict, or a refusal, with the reason).
 */
export const classifySdkError = (error: unknown, message: string, terminalCode: ErrorCode): TollgateError =>
  isRetryableSdkError(error)
    ? new RetryableError('DEPENDENCY_UNAVAILABLE', message, { cause: error })
    : new TerminalError(terminalCode, message, { cause: error });
