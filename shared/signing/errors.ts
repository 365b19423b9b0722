import { RetryableError, TerminalError, type TollgateErrorOptions } from '../domain';

/** Others kept changing the signature storage of one digest for longer than our bounded retries. */
export class SignatureConflictError extends RetryableError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('CONFLICT', message, options);
  }
}

/** Signing was refused for a reason retrying cannot change: no APPROVED verdict, a foreign object at our tag. */
export class SigningRefusedError extends TerminalError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('SIGNING_FAILED', message, options);
  }
}
