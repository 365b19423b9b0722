import { INDEX_MEDIA_TYPES } from '../../shared/adapters/oci';
import { ociError, type CannedAnswer } from './faults';
import type { PushedManifest } from './referrers';

/** What ECR refuses that the OCI specs allow; each can be turned off to test a registry that accepts it. */
export interface EcrQuirks {
  /**
   * A referrer manifest whose `subject` is an image index (or Docker manifest list) is refused with 405
   * (aws/containers-roadmap#2783, open in 2026).
   * @default true
   */
  readonly refuseIndexSubject: boolean;
  /**
   * A manifest declaring a media type with a parameter (a `;`, e.g. `application/vnd.dev.sigstore.bundle+json;version=0.2`)
   * as its own, its artifactType, its config's or a layer's is refused (aws/containers-roadmap#2306,
   * sigstore/sigstore-js#1058).
   * @default true
   */
  readonly refuseMediaTypeParameters: boolean;
}

export const ECR_QUIRKS: EcrQuirks = { refuseIndexSubject: true, refuseMediaTypeParameters: true };

export type EcrRefusalReason = 'index-subject' | 'media-type-parameter';

/**
 * ECR's answer to a manifest it will not store for its media types: 405 with the `UNSUPPORTED` body its OCI
 * endpoint sends for manifests that fail its ImageManifest constraint (as reported in falcosecurity/falcoctl#302
 * and opcr-io/policy#149). ECR says no more than this, whatever the reason; the front's `refused()` says which.
 */
export const ecrUnsupported = (): CannedAnswer =>
  ociError(
    405,
    'UNSUPPORTED',
    "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
  );

/** Why ECR would refuse this manifest, if it would. */
export const ecrRefusal = (manifest: PushedManifest, quirks: EcrQuirks): EcrRefusalReason | undefined => {
  if (quirks.refuseMediaTypeParameters && manifest.declaredMediaTypes.some((type) => type.includes(';'))) {
    return 'media-type-parameter';
  }
  const subjectType = manifest.subject?.mediaType;
  if (quirks.refuseIndexSubject && subjectType !== undefined && INDEX_MEDIA_TYPES.includes(subjectType)) {
    return 'index-subject';
  }
  return undefined;
};
