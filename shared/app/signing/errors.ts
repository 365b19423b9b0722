import { RetryableError, TerminalError, type TollgateErrorOptions } from '../../core/domain';
import { RegistryRequestError } from '../../core/oci/errors';

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

/**
 * The registry refused to move a signature tag (`sha256-<hex>.sig`, or the `sha256-<hex>` referrers index): ECR
 * answers `TAG_INVALID` when the repository's tags are plain IMMUTABLE. Only the first signature of each kind can
 * ever land there, so this is a configuration to fix, not a state to retry.
 */
export class SignatureTagImmutableError extends TerminalError {
  public constructor(
    public readonly repository: string,
    public readonly tag: string,
    options?: TollgateErrorOptions,
  ) {
    super(
      'SIGNING_FAILED',
      `${repository}:${tag} cannot be rewritten because the repository's tags are immutable; signature tags must ` +
        'stay writable: use IMMUTABLE_WITH_EXCLUSION with the exclusion filter sha256-* (docs/signature-formats.md)',
      options,
    );
  }
}

/** ECR's answer to a PUT that would move an immutable tag. */
export const isImmutableTagRefusal = (error: unknown): boolean =>
  error instanceof RegistryRequestError &&
  error.status === 400 &&
  error.registryCodes.includes('TAG_INVALID');
