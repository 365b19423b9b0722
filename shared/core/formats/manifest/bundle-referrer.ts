export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

/** The annotations cosign v3 puts on a bundle referrer manifest and on its entry in the referrers index. */
export const bundleReferrerAnnotations = (predicateType: string): Record<string, string> => ({
  [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
  [BUNDLE_PREDICATE_TYPE_ANNOTATION]: predicateType,
});
