import { TerminalError, type TollgateErrorOptions, type ValidationIssue } from '../../domain/errors';
import { FindingsValidationError } from '../errors';

/** The three kinds of report `tollgate evaluate --findings` reads (`--format`). */
export type ReportFormat = 'ecr' | 'trivy' | 'grype';
export const REPORT_FORMATS: readonly ReportFormat[] = ['ecr', 'trivy', 'grype'];

/** How each format is recognised, in every message that says what was expected. */
export const EXPECTED_FORMATS =
  'an ECR DescribeImageScanFindings response (imageId, imageScanStatus; aws ecr describe-image-scan-findings), ' +
  'a Trivy JSON report (SchemaVersion 2; trivy image --format json) ' +
  'or a Grype JSON report (matches, descriptor; grype -o json)';

export type UnrecognizedReportReason =
  /** Nothing in the document says which scanner wrote it. */
  | 'UNKNOWN_FORMAT'
  /** It has the marks of more than one format. */
  | 'AMBIGUOUS_FORMAT'
  /** `--format` names one format, the document is plainly another. */
  | 'FORMAT_MISMATCH'
  /** A Trivy report of a schema version Tollgate does not read. */
  | 'UNSUPPORTED_SCHEMA';

/**
 * A file that is none of the reports Tollgate reads, or not the one `--format` names. Terminal: the same file
 * fails the same way. It borrows MALFORMED_EVENT, as FindingsValidationError does, until ErrorCode has a code of
 * its own for scan findings.
 */
export class UnrecognizedReportError extends TerminalError {
  public readonly reason: UnrecognizedReportReason;

  public constructor(reason: UnrecognizedReportReason, message: string, options?: TollgateErrorOptions) {
    super('MALFORMED_EVENT', message, options);
    this.reason = reason;
  }
}

export type ReportLimit = 'bytes' | 'depth' | 'findings';

/** A report past one of the limits in limits.ts: refused whole, never judged in part. */
export class ReportLimitError extends TerminalError {
  public readonly limit: ReportLimit;

  public constructor(limit: ReportLimit, message: string, options?: TollgateErrorOptions) {
    super('MALFORMED_EVENT', message, options);
    this.limit = limit;
  }
}

/** A Trivy or Grype report with a field Tollgate cannot read; `field` is the first one, e.g. `matches.3.vulnerability.severity`. */
export class ScannerReportValidationError extends FindingsValidationError {
  public readonly format: Exclude<ReportFormat, 'ecr'>;

  public constructor(
    format: Exclude<ReportFormat, 'ecr'>,
    issues: readonly ValidationIssue[],
    options?: TollgateErrorOptions & { readonly subject?: string },
  ) {
    const scanner = format === 'trivy' ? 'Trivy' : 'Grype';
    const subject = options?.subject === undefined ? '' : ` ${options.subject}`;
    super(issues, { ...options, subject: `malformed ${scanner} report${subject}` });
    this.format = format;
  }
}

export type ImageMismatchReason =
  /** The report names digests, and not the one of `--image`. */
  | 'DIGEST_MISMATCH'
  /** The report names no digest the image could be checked against. */
  | 'NO_DIGEST';

/**
 * `--image REF@DIGEST` and the report disagree, or the report cannot be tied to the image: a report for another
 * image must not approve this one.
 */
export class ImageMismatchError extends TerminalError {
  public readonly reason: ImageMismatchReason;

  public constructor(reason: ImageMismatchReason, message: string, options?: TollgateErrorOptions) {
    super('INVALID_DIGEST', message, options);
    this.reason = reason;
  }
}
