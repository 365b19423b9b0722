/**
 * One hierarchy for every failure Tollgate can meet. The split that matters is `retryable`:
 * a retryable error is thrown so Lambda retries and, when retries run out, the event lands in the DLQ;
 * a terminal error is turned into an ERROR verdict with its reason, because retrying cannot help.
 */
export type ErrorCode =
  | 'MALFORMED_EVENT'
  | 'UNKNOWN_DETAIL_TYPE'
  | 'INVALID_DIGEST'
  | 'INVALID_IMAGE_REFERENCE'
  | 'INVALID_CONFIG'
  | 'INVALID_POLICY'
  | 'UNKNOWN_REPOSITORY'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_INTEGRITY'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'CONFLICT'
  | 'SIGNING_FAILED'
  | 'VERIFICATION_FAILED';

export interface TollgateErrorOptions {
  readonly cause?: unknown;
}

export abstract class TollgateError extends Error {
  public abstract readonly retryable: boolean;
  public readonly code: ErrorCode;

  protected constructor(code: ErrorCode, message: string, options?: TollgateErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Something outside us failed in a way that may pass: throttling, a 5xx, a reset connection. */
export class RetryableError extends TollgateError {
  public override readonly retryable = true;

  public constructor(code: ErrorCode, message: string, options?: TollgateErrorOptions) {
    super(code, message, options);
  }
}

/** Retrying gives the same answer: bad input, bad policy, an image nothing will scan. */
export class TerminalError extends TollgateError {
  public override readonly retryable = false;

  public constructor(code: ErrorCode, message: string, options?: TollgateErrorOptions) {
    super(code, message, options);
  }
}

/** An input failed validation. `field` is the dotted path of the first offending field. */
export class ValidationError extends TerminalError {
  public readonly field: string;
  public readonly issues: readonly ValidationIssue[];

  public constructor(
    code: ErrorCode,
    issues: readonly ValidationIssue[],
    options?: TollgateErrorOptions & { readonly subject?: string },
  ) {
    const first = issues[0] ?? { field: '(root)', message: 'invalid' };
    const subject = options?.subject === undefined ? '' : `${options.subject}: `;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(code, `${subject}${first.field}: ${first.message}${more}`, options);
    this.field = first.field;
    this.issues = issues;
  }
}

export interface ValidationIssue {
  readonly field: string;
  readonly message: string;
}

export class EventValidationError extends ValidationError {
  public constructor(issues: readonly ValidationIssue[], options?: TollgateErrorOptions) {
    super('MALFORMED_EVENT', issues, { ...options, subject: 'malformed event' });
  }
}

export class UnknownDetailTypeError extends TerminalError {
  public readonly field = 'detail-type';

  public constructor(
    public readonly detailType: string,
    options?: TollgateErrorOptions,
  ) {
    super('UNKNOWN_DETAIL_TYPE', `detail-type: unknown event type ${JSON.stringify(detailType)}`, options);
  }
}

export class InvalidDigestError extends TerminalError {
  public constructor(
    public readonly field: string,
    value: unknown,
    options?: TollgateErrorOptions,
  ) {
    super(
      'INVALID_DIGEST',
      `${field}: ${JSON.stringify(value)} is not a digest of the form sha256:<64 lowercase hex>`,
      options,
    );
  }
}

export class ConfigValidationError extends ValidationError {
  public constructor(
    issues: readonly ValidationIssue[],
    options?: TollgateErrorOptions & { readonly subject?: string },
  ) {
    super('INVALID_CONFIG', issues, {
      ...options,
      subject: options?.subject ?? 'invalid Tollgate configuration',
    });
  }
}

export class PolicyValidationError extends ValidationError {
  public constructor(
    issues: readonly ValidationIssue[],
    options?: TollgateErrorOptions & { readonly subject?: string },
  ) {
    super('INVALID_POLICY', issues, { ...options, subject: options?.subject ?? 'invalid policy' });
  }
}

export const isRetryable = (error: unknown): boolean => error instanceof TollgateError && error.retryable;

/**
 * A conditional write lost a race: someone else wrote the record between our read and our write.
 * Retryable, because re-reading and re-deciding from the newer state is always safe.
 */
export class ConcurrentUpdateError extends RetryableError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('CONFLICT', message, options);
    this.name = 'ConcurrentUpdateError';
  }
}

/** The repository does not exist (or is not visible to us). Terminal: retrying will not create it. */
export class UnknownRepositoryError extends TerminalError {
  public readonly repository: string;

  public constructor(repository: string, options?: TollgateErrorOptions) {
    super('UNKNOWN_REPOSITORY', `repository ${repository} does not exist in this registry`, options);
    this.name = 'UnknownRepositoryError';
    this.repository = repository;
  }
}

/** An AWS dependency stayed throttled or failing after the SDK's own retries. Lambda retries the event. */
export class DependencyUnavailableError extends RetryableError {
  public constructor(message: string, options?: TollgateErrorOptions) {
    super('DEPENDENCY_UNAVAILABLE', message, options);
    this.name = 'DependencyUnavailableError';
  }
}
