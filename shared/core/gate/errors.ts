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

/** How a gate finds the key ID to pin an alias to: the stack's `SigningKeyArn` output. */
export const KEY_ID_HINT =
  'the stack output SigningKeyArn: aws cloudformation describe-stacks --stack-name Tollgate --query "Stacks[0].Outputs[?OutputKey==\'SigningKeyArn\'].OutputValue" --output text';

/**
 * An `awskms://` key names an alias and nothing pins it. An alias names whatever key it points at now, in the
 * account and region the caller's credentials resolve it in: trusting it unpinned trusts whoever can move it, or
 * owns the same alias name in another account. Refused, never warned: a gate must not pass on an unknown key.
 */
export class UnpinnedKeyError extends PublicKeyError {
  public constructor(
    public readonly keyReference: string,
    options?: TollgateErrorOptions,
  ) {
    super(
      `${keyReference} names an alias, which can be pointed at another key: pin it with --key-id KEY-ID-OR-ARN (${KEY_ID_HINT}), or pass --key awskms:///<key ARN>`,
      options,
    );
  }
}

/** The key an `awskms://` reference resolves to is not the pinned one: the alias moved, or names another key. */
export class KeyPinMismatchError extends PublicKeyError {
  public constructor(
    public readonly keyReference: string,
    /** The pin: a key ID or key ARN (--key-id, or the key the reference names). */
    public readonly expected: string,
    /** What KMS resolved the reference to (GetPublicKey's KeyId), or undefined when it named no key. */
    public readonly actual: string | undefined,
    options?: TollgateErrorOptions,
  ) {
    super(
      actual === undefined
        ? `${keyReference}: KMS named no key ID for it, so it cannot be checked against the pinned key ${expected}; refusing to trust it`
        : `${keyReference} resolves to key ${actual}, not the pinned key ${expected}: the alias was moved, or names another account's or region's key; refusing to trust it`,
      options,
    );
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
