import {
  ImageNotFoundException,
  paginateDescribeImageScanFindings,
  ScanNotFoundException,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { DependencyUnavailableError } from '../../../core/domain/errors';
import { isRetryableSdkError } from '../sdk-error';
import type { FindingsRead, FindingsSource } from '../../../app/ports/findings-source';
import type { ImageKeyParts } from '../../../app/ports/verdict-store';

/** ECR's largest page: fewer round trips for images with thousands of findings. */
export const FINDINGS_PAGE_SIZE = 1000;

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
      // Only what may pass on retry becomes retryable here; anything else is thrown as the SDK gave it.
      if (isRetryableSdkError(error) && error instanceof Error) {
        throw new DependencyUnavailableError(
          `DescribeImageScanFindings for ${image.repository}@${image.digest} kept failing: ${error.name}`,
          { cause: error },
        );
      }
      throw error;
    }
    return { kind: 'found', pages };
  }
}
