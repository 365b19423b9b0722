import type { ImageKeyParts } from './verdict-store';

/** What ECR holds for one image's scan. */
export type FindingsRead =
  /** Every DescribeImageScanFindings page, JSON-shaped as a saved response, for `parseScanFindings`. */
  | { readonly kind: 'found'; readonly pages: readonly unknown[] }
  /** ECR has no scan for the image (ScanNotFoundException), or no longer the image itself. */
  | { readonly kind: 'not-found'; readonly message: string };

/**
 * The scan result of one image as ECR reports it.
 * @throws RetryableError when ECR stays throttled or failing after the SDK's retries.
 */
export interface FindingsSource {
  read(image: ImageKeyParts): Promise<FindingsRead>;
}
