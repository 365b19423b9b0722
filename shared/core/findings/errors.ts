import { ValidationError, type TollgateErrorOptions, type ValidationIssue } from '../domain/errors';

/**
 * A saved scan-findings document that is not what ECR returns. Terminal: the same file fails the same way.
 * It borrows MALFORMED_EVENT until ErrorCode has a code of its own for scan findings.
 */
export class FindingsValidationError extends ValidationError {
  public constructor(
    issues: readonly ValidationIssue[],
    options?: TollgateErrorOptions & { readonly subject?: string },
  ) {
    super('MALFORMED_EVENT', issues, { ...options, subject: options?.subject ?? 'malformed scan findings' });
  }
}
