import { parseScanFindings, type ScanFindings } from '../parse';
import { confirmReportFormat, detectReportFormat } from './detect';
import type { ReportFormat } from './errors';
import { parseGrypeReport } from './grype';
import { assertDepth, assertFindingCount } from './limits';
import type { ScannerReport } from './report';
import { parseTrivyReport } from './trivy';

/** A findings file, read: an ECR scan result as it always was, or a Trivy or Grype report. */
export type ReadReport =
  | { readonly format: 'ecr'; readonly scan: ScanFindings }
  | { readonly format: 'trivy' | 'grype'; readonly report: ScannerReport };

export interface ReadReportOptions {
  /** The format `--format` names; otherwise it is told from the document. */
  readonly format?: ReportFormat;
  /** The file name, for messages. */
  readonly source?: string;
}

// Findings in DescribeImageScanFindings pages, counted before they are parsed.
const rawEcrCount = (input: unknown): number => {
  const pages: unknown[] = Array.isArray(input) ? input : [input];
  let count = 0;
  for (const page of pages) {
    const details = (
      page as { imageScanFindings?: { findings?: unknown; enhancedFindings?: unknown } } | null
    )?.imageScanFindings;
    if (Array.isArray(details?.findings)) count += details.findings.length;
    if (Array.isArray(details?.enhancedFindings)) count += details.enhancedFindings.length;
  }
  return count;
};

/**
 * Reads a parsed findings file of any of the three formats, within the limits of limits.ts.
 * @throws ReportLimitError, UnrecognizedReportError, FindingsValidationError (ScannerReportValidationError for
 * Trivy and Grype), each naming what is wrong
 */
export const readScanReport = (input: unknown, options: ReadReportOptions = {}): ReadReport => {
  const { source } = options;
  assertDepth(input);
  const format = options.format ?? detectReportFormat(input, source);
  if (options.format !== undefined) confirmReportFormat(input, options.format, source);
  switch (format) {
    case 'ecr':
      assertFindingCount(rawEcrCount(input));
      return { format, scan: parseScanFindings(input, source) };
    case 'trivy':
      return { format, report: parseTrivyReport(input, source) };
    case 'grype':
      return { format, report: parseGrypeReport(input, source) };
  }
};
