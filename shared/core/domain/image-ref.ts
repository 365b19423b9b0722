import type { Digest } from './digest';
import { scopePrefix, withScope, type ImageScope } from './image-scope';

/** An image named by its exact digest. The tag is informational: every decision is about the digest. */
export interface ImageRef {
  /** Registry host, e.g. `123456789012.dkr.ecr.us-west-2.amazonaws.com` or `127.0.0.1:5000`. */
  readonly registry: string;
  readonly repository: string;
  readonly digest: Digest;
  readonly tag?: string;
  /** The spoke account and region the image is in; absent for the hub's own account and region. */
  readonly scope?: ImageScope;
}

/**
 * The key every record and idempotency check uses: the same digest in the same repository, account and region is
 * one image (`<account>:<region>:<repository>@<digest>` for a spoke's, `<repository>@<digest>` for the hub's own).
 */
export const imageKey = (image: Pick<ImageRef, 'repository' | 'digest' | 'scope'>): string =>
  `${scopePrefix(image.scope)}${image.repository}@${image.digest}`;

/**
 * The parts of an image that make its key, and nothing more: a request, an event or a record carries other fields
 * (the registry, a tag, a request id) that must not travel into a key or a schedule's input.
 */
export const imageKeyParts = (image: {
  readonly repository: string;
  readonly digest: Digest;
  readonly scope?: ImageScope | undefined;
}): Pick<ImageRef, 'repository' | 'digest' | 'scope'> => ({
  repository: image.repository,
  digest: image.digest,
  ...withScope(image.scope),
});

export const formatImageRef = (image: ImageRef): string =>
  `${image.registry}/${image.repository}@${image.digest}`;

/** ECR's own registry host for an account and region. */
export const ecrRegistryHost = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com`;
