import type { Digest } from '../../core/domain';
import type { Descriptor } from '../../core/oci/types';

export interface ReferrerArtifact {
  readonly repository: string;
  readonly subject: Digest;
  /** The subject's descriptor, when the caller has read it already; otherwise the attacher looks it up. */
  readonly subjectDescriptor?: Descriptor;
  /** The single layer's bytes, e.g. a bundle's JSON. */
  readonly artifact: Buffer;
  /** Used as the manifest's artifactType and as the layer media type. */
  readonly mediaType: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Pushes an artifact as an OCI referrer of an image: a manifest whose `subject` is the image, listed by the
 * referrers API or, where the registry lacks it, in the `sha256-<hex>` tag-schema index.
 */
export interface ReferrerAttacher {
  /** @returns the digest of the referrer manifest */
  attach(artifact: ReferrerArtifact): Promise<Digest>;
}
