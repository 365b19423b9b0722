import type { TollgateError } from '../../../core/domain';
import { classifySdkError } from '../sdk-error';

/** Maps an AWS SDK KMS failure to retryable or terminal (shared/adapters/aws/sdk-error), keeping the SDK error as `cause`. */
export const kmsError = (error: unknown, action: string, keyId: string): TollgateError => {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
  };
  const message = `KMS ${action} with ${keyId} failed: ${shape.name ?? 'Error'}: ${shape.message ?? String(error)}`;
  return classifySdkError(error, message, 'SIGNING_FAILED');
};
