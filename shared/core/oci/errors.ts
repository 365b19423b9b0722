import { RetryableError, TerminalError, type TollgateErrorOptions } from '../domain';

/** The registry could not be reached or answered 5xx/429: the same request may well pass later. */
export class RegistryUnavailableError extends RetryableError {
  public constructor(
    message: string,
    public readonly status?: number,
    options?: TollgateErrorOptions,
  ) {
    super(status === undefined ? 'REGISTRY_UNREACHABLE' : 'DEPENDENCY_UNAVAILABLE', message, options);
  }
}

/**
 * The registry refused the request with a 4xx. Repeating it cannot help: wrong credentials, no permission,
 * an unknown manifest, a manifest the registry will not store. 409/412 are `CONFLICT`.
 */
export class RegistryRequestError extends TerminalError {
  public constructor(
    message: string,
    public readonly status: number,
    /** The OCI error codes from the body, e.g. `MANIFEST_UNKNOWN`, `DENIED`. */
    public readonly registryCodes: readonly string[] = [],
    options?: TollgateErrorOptions,
  ) {
    super(status === 409 || status === 412 ? 'CONFLICT' : 'REGISTRY_UNREACHABLE', message, options);
  }
}

/** The registry served bytes that do not hash to the digest it was asked for, or that it claimed. */
export class RegistryIntegrityError extends TerminalError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('REGISTRY_INTEGRITY', message, options);
  }
}

/**
 * The registry served, or a descriptor declared, more bytes than Tollgate reads for that kind of content (see
 * limits.ts). Terminal: the artifact will be just as large next time, so it is never retried; readers of signatures
 * report that one artifact as unreadable and go on with the others.
 */
export class RegistryResponseTooLargeError extends TerminalError {
  public constructor(
    message: string,
    /** The URL that was, or would have been, read. */
    public readonly url: string,
    public readonly limitBytes: number,
    options?: TollgateErrorOptions,
  ) {
    super('REGISTRY_INTEGRITY', message, options);
  }
}

/**
 * No complete answer in time: either one request's own limit (`request`) or the deadline of the whole verification
 * it belongs to (`deadline`). Retryable like any unreachable registry; the message names the URL that was waited for.
 */
export class RegistryTimeoutError extends RegistryUnavailableError {
  public constructor(
    message: string,
    public readonly url: string,
    public readonly timeoutMs: number,
    public readonly scope: 'request' | 'deadline',
    options?: TollgateErrorOptions,
  ) {
    super(message, undefined, options);
  }
}

/**
 * An artifact that a reader of signatures skips and reports instead of failing the whole read: too large, or bytes
 * that are not what they claim to be. A registry that cannot be reached is not such a case: it fails the read.
 */
export const isUnreadableArtifact = (
  error: unknown,
): error is RegistryResponseTooLargeError | RegistryIntegrityError =>
  error instanceof RegistryResponseTooLargeError || error instanceof RegistryIntegrityError;

export const isNotFound = (error: unknown): boolean =>
  error instanceof RegistryRequestError && error.status === 404;
