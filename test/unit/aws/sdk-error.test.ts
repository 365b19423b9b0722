import { RetryableError, TerminalError } from '../../../shared/core/domain/errors';
import { classifySdkError, isRetryableSdkError } from '../../../shared/adapters/aws/sdk-error';

const sdkError = (name: string, status?: number, extra: object = {}): Error =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra,
  });

describe('classifySdkError: one rule for every adapter', () => {
  it.each([
    ['throttled (400 with a throttling name)', sdkError('ThrottlingException', 400)],
    ['too many requests', sdkError('TooManyRequestsException', 429)],
    ['a 5xx', sdkError('InternalFailure', 503)],
    ['a server fault', sdkError('Whatever', 400, { $fault: 'server' })],
    ['marked retryable by the SDK', sdkError('Whatever', 400, { $retryable: {} })],
    ['no answer at all (network)', sdkError('ECONNRESET')],
    ['a KMS internal error', sdkError('KMSInternalException', 400)],
  ])('%s is retryable', (_, error) => {
    expect(isRetryableSdkError(error)).toBe(true);
    const classified = classifySdkError(error, 'it failed', 'SIGNING_FAILED');
    expect(classified).toBeInstanceOf(RetryableError);
    expect(classified.cause).toBe(error);
  });

  it.each([
    ['access denied', sdkError('AccessDeniedException', 400)],
    ['not found', sdkError('NotFoundException', 400)],
    ['a disabled key', sdkError('DisabledException', 400)],
    ['validation', sdkError('ValidationException', 400)],
  ])('%s is terminal, with the given code and the message', (_, error) => {
    expect(isRetryableSdkError(error)).toBe(false);
    const classified = classifySdkError(error, 'it failed', 'REGISTRY_UNREACHABLE');
    expect(classified).toBeInstanceOf(TerminalError);
    expect(classified).toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: 'it failed' });
  });
});
