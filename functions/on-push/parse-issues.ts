import type { ValidationIssue } from '../../shared/core/domain/errors';

interface StandardIssue {
  readonly message?: unknown;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[];
}

/**
 * The Powertools parser reports a failed parse as a ParseError whose `cause` is the schema's Standard
 * Schema issue list. Turned into our issues, so the logged error names each offending field.
 */
export const parseIssues = (error: Error): ValidationIssue[] => {
  const issues = Array.isArray(error.cause) ? (error.cause as readonly StandardIssue[]) : [];
  if (issues.length === 0) return [{ field: '(root)', message: error.message }];
  return issues.map((issue) => ({
    field:
      issue.path === undefined || issue.path.length === 0
        ? '(root)'
        : issue.path.map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
    message: typeof issue.message === 'string' ? issue.message : 'invalid',
  }));
};
