import { RetryableError, type TollgateErrorOptions } from '../../core/domain/errors';
import type { OnceKey } from './handle-push';

/**
 * `once` found the step running in another invocation right now (on-push and the sweep reaching one digest, or
 * two tags' events). Retryable: the retry finds the step done and gets its result. The sweep does not retry: the
 * image is in hand, so it counts it as pending and goes on to the next.
 */
export class StepInProgressError extends RetryableError {
  public constructor(
    public readonly key: OnceKey,
    options?: TollgateErrorOptions,
  ) {
    super('CONFLICT', `${key.repository}@${key.digest}: step "${key.step}" is running elsewhere`, options);
    this.name = 'StepInProgressError';
  }
}
