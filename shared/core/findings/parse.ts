import * as z from 'zod';
import type { Digest } from '../domain/digest';
import type { ValidationIssue } from '../domain/errors';
import { countBySeverity, type Finding } from '../domain/finding';
import type { ScanSummary, Scanner } from '../domain/verdict';
import { toValidationIssues } from '../events/parse';
import { FindingsValidationError } from './errors';
import { scanFindingsPageSchema, type ScanFindingsPage } from './page';

/** A saved scan's findings, normalized, with what the scan says about itself. */
export interface ScanFindings {
  readonly registryId?: string;
  /** Absent when the saved response left it out; the caller then has to name the repository. */
  readonly repository?: string;
  readonly digest: Digest;
  readonly tag?: string;
  /** Scanner, status, completion time and the counts of the findings below. */
  readonly scan: ScanSummary;
  readonly statusDescription?: string;
  readonly vulnerabilitySourceUpdatedAt?: string;
  readonly findings: readonly Finding[];
  /** Inspector findings left out because Inspector closed them: they no longer apply to the image. */
  readonly closedFindings: number;
  /** The last page still has a `nextToken`: findings are missing, so this set must not be judged. */
  readonly truncated: boolean;
}

const pagesSchema = z.array(scanFindingsPageSchema).min(1, { message: 'expected at least one page' });

/**
 * Normalizes a saved `DescribeImageScanFindings` response, one page or an array of pages, as the
 * AWS SDK v3 returns it (saved with JSON.stringify) or the AWS CLI prints it.
 * @throws FindingsValidationError naming the first bad field, e.g. `imageScanFindings.findings.3.severity`.
 */
export const parseScanFindings = (input: unknown, source?: string): ScanFindings => {
  const subject = source === undefined ? {} : { subject: source };
  const result = Array.isArray(input)
    ? pagesSchema.safeParse(input)
    : scanFindingsPageSchema.safeParse(input);
  if (!result.success) throw new FindingsValidationError(toValidationIssues(result.error), subject);
  const pages: readonly ScanFindingsPage[] = Array.isArray(result.data) ? result.data : [result.data];

  const mismatch = samePageImage(pages);
  if (mismatch.length > 0) throw new FindingsValidationError(mismatch, subject);

  const first = pages[0] as ScanFindingsPage;
  const findings: Finding[] = [];
  let closedFindings = 0;
  let enhanced = false;
  for (const page of pages) {
    for (const finding of page.imageScanFindings?.findings ?? []) findings.push(finding);
    const pageEnhanced = page.imageScanFindings?.enhancedFindings;
    if (pageEnhanced !== undefined) enhanced = true;
    for (const entry of pageEnhanced ?? []) {
      if (entry.status === 'CLOSED') closedFindings += 1;
      else findings.push(entry.finding);
    }
  }
  const details = first.imageScanFindings;
  const completedAt = details?.imageScanCompletedAt;
  return {
    ...(first.registryId === undefined ? {} : { registryId: first.registryId }),
    ...(first.repositoryName === undefined ? {} : { repository: first.repositoryName }),
    digest: first.imageId.imageDigest,
    ...(first.imageId.imageTag === undefined ? {} : { tag: first.imageId.imageTag }),
    scan: {
      scanner: scannerOf(enhanced, first.imageScanStatus.status),
      status: first.imageScanStatus.status,
      ...(completedAt === undefined ? {} : { completedAt }),
      severityCounts: countBySeverity(findings),
    },
    ...(first.imageScanStatus.description === undefined
      ? {}
      : { statusDescription: first.imageScanStatus.description }),
    ...(details?.vulnerabilitySourceUpdatedAt === undefined
      ? {}
      : { vulnerabilitySourceUpdatedAt: details.vulnerabilitySourceUpdatedAt }),
    findings,
    closedFindings,
    truncated: pages.at(-1)?.nextToken !== undefined,
  };
};

// ACTIVE is a status only continuous enhanced scanning reports, even for an image with no findings.
const scannerOf = (enhanced: boolean, status: string): Scanner =>
  enhanced || status === 'ACTIVE' ? 'INSPECTOR' : 'ECR_BASIC';

// Pages of different images saved into one file would be judged as one image: refuse instead.
const samePageImage = (pages: readonly ScanFindingsPage[]): ValidationIssue[] => {
  const first = pages[0] as ScanFindingsPage;
  return pages.flatMap((page, index): ValidationIssue[] => {
    if (page.imageId.imageDigest !== first.imageId.imageDigest) {
      return [{ field: `${index}.imageId.imageDigest`, message: `page is for another image than page 0` }];
    }
    if (page.repositoryName !== undefined && first.repositoryName !== undefined) {
      if (page.repositoryName !== first.repositoryName) {
        return [{ field: `${index}.repositoryName`, message: `page is for another repository than page 0` }];
      }
    }
    return [];
  });
};
