import { createHash } from 'node:crypto';
import type { Digest } from '../domain';

/** The content digest of exactly these bytes. */
export const sha256Digest = (bytes: Uint8Array | string): Digest =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;

/** The OCI referrers tag schema: `sha256:<hex>` becomes the tag `sha256-<hex>`. */
export const referrersTag = (digest: Digest): string => digest.replace(':', '-');
