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

export const isNotFound = (error: unknown): boolean =>
  error instanceof RegistryRequestError && error.status === 404;
