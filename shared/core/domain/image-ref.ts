import type { Digest } from './digest';

/** An image named by its exact digest. The tag is informational: every decision is about the digest. */
export interface ImageRef {
  /** Registry host, e.g. `123456789012.dkr.ecr.us-west-2.amazonaws.com` or `127.0.0.1:5000`. */
  readonly registry: string;
  readonly repository: string;
  readonly digest: Digest;
  readonly tag?: string;
}

/** The key every record and idempotency check uses: the same digest in the same repository is one image. */
export const imageKey = (image: Pick<ImageRef, 'repository' | 'digest'>): string =>
  `${image.repository}@${image.digest}`;

export const formatImageRef = (image: ImageRef): string =>
  `${image.registry}/${image.repository}@${image.digest}`;

/** ECR's own registry host for an account and region. */
export const ecrRegistryHost = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com`;
