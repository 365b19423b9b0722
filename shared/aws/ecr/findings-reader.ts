import {
  ImageNotFoundException,
  paginateDescribeImageScanFindings,
  ScanNotFoundException,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { DependencyUnavailableError } from '../../domain/errors';
import type { FindingsRead, FindingsSource } from '../../ports/findings-source';
import type { ImageKeyParts } from '../../ports/verdict-store';

/** ECR's largest page: fewer round trips for images with thousands of findings. */
export const FINDINGS_PAGE_SIZE = 1000;

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/**
 * True for what the SDK itself retries: throttling, 5xx, timeouts. When it is still failing after
 * the SDK's attempts, Lambda's own retries (and then the DLQ) are the next line.
 */
const isTransient = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const { $fault, $retryable } = error as { $fault?: string; $retryable?: unknown };
  return (
    $fault === 'server' ||
    $retryable !== undefined ||
    THROTTLING.has(error.name) ||
    error.name === 'TimeoutError'
  );
};

/** DescribeImageScanFindings, every page, basic `findings` and enhanced `enhancedFindings` alike. */
export class EcrFindingsReader implements FindingsSource {
  public constructor(private readonly client: ECRClient) {}

  public async read(image: ImageKeyParts): Promise<FindingsRead> {
    const pages: unknown[] = [];
    try {
      const paginator = paginateDescribeImageScanFindings(
        { client: this.client, pageSize: FINDINGS_PAGE_SIZE },
        { repositoryName: image.repository, imageId: { imageDigest: image.digest } },
      );
      // Through JSON, as a saved response is: the SDK's Date objects become the ISO strings the
      // findings schema reads, so `tollgate evaluate` on a saved file and this path agree exactly.
      for await (const { $metadata: _metadata, ...page } of paginator) {
        pages.push(JSON.parse(JSON.stringify(page)) as unknown);
      }
    } catch (error) {
      if (error instanceof ScanNotFoundException || error instanceof ImageNotFoundException) {
        return { kind: 'not-found', message: error.message };
      }
      if (isTransient(error)) {
        throw new DependencyUnavailableError(
          `DescribeImageScanFindings for ${image.repository}@${image.digest} kept failing: ${(error as Error).name}`,
          { cause: error },
        );
      }
      throw error;
    }
    return { kind: 'found', pages };
  }
}
