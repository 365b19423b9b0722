import { TerminalError, type TollgateErrorOptions } from '../domain';

/** An image reference that is not `registry/repository[:tag][@sha256:…]`. Retrying cannot fix a typo. */
export class InvalidImageReferenceError extends TerminalError {
  public constructor(
    public readonly reference: string,
    reason: string,
    options?: TollgateErrorOptions,
  ) {
    super(
      'INVALID_IMAGE_REFERENCE',
      `${JSON.stringify(reference)} is not an image reference: ${reason}`,
      options,
    );
  }
}

/**
 * The trusted key could not be obtained: an unreadable or malformed PEM file, a private key where the public one
 * belongs, a key URI of an unsupported kind. Without a key nothing can be verified, so this is an error, never a
 * "not verified".
 */
export class PublicKeyError extends TerminalError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('VERIFICATION_FAILED', message, options);
  }
}

/** A duration such as `--max-age 7d` that does not parse. */
export class InvalidDurationError extends TerminalError {
  public constructor(
    public readonly value: string,
    options?: TollgateErrorOptions,
  ) {
    super(
      'INVALID_CONFIG',
      `${JSON.stringify(value)} is not a duration: use a number with a unit, e.g. 7d, 36h, 90m, 1w (or a combination like 1d12h)`,
      options,
    );
  }
}

/** `~/.docker/config.json` exists but cannot be read as a Docker config: Docker itself would refuse it too. */
export class DockerConfigError extends TerminalError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('INVALID_CONFIG', message, options);
  }
}
