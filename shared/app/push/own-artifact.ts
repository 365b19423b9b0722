import { MediaType } from '../../core/oci/media-types';

/** Why a push is not an image Tollgate judges. */
export type AttachmentReason =
  | 'signature-tag'
  | 'attestation-tag'
  | 'sbom-tag'
  | 'referrers-fallback-tag'
  | 'signature-artifact'
  | 'attestation-artifact'
  | 'sigstore-bundle'
  | 'referrer'
  | 'referrers-index';

// cosign's tag schema: `sha256-<hex>.sig|.att|.sbom`, and the OCI referrers fallback `sha256-<hex>`.
const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(?:\.(sig|att|sbom))?$/;

const TAG_REASONS: Readonly<Record<string, AttachmentReason>> = {
  sig: 'signature-tag',
  att: 'attestation-tag',
  sbom: 'sbom-tag',
};

/** The attachment a tag names, if it is one. Decidable from the event alone, so it costs no call. */
export const attachmentTag = (tag: string | undefined): AttachmentReason | undefined => {
  if (tag === undefined) return undefined;
  const match = ATTACHMENT_TAG.exec(tag);
  if (match === null) return undefined;
  const suffix = match[1];
  return suffix === undefined ? 'referrers-fallback-tag' : TAG_REASONS[suffix];
};

const ATTACHMENT_TYPES: Readonly<Record<string, AttachmentReason>> = {
  [MediaType.cosignSimpleSigning]: 'signature-artifact',
  [MediaType.sigstoreBundleV03]: 'sigstore-bundle',
  'application/vnd.dsse.envelope.v1+json': 'attestation-artifact',
  'application/vnd.in-toto+json': 'attestation-artifact',
  'application/vnd.dev.cosign.artifact.sig.v1+json': 'signature-artifact',
};

/** The attachment an artifact or config media type marks, if any. */
export const attachmentMediaType = (mediaType: string | undefined): AttachmentReason | undefined =>
  mediaType === undefined ? undefined : ATTACHMENT_TYPES[mediaType];

interface ManifestShape {
  readonly manifests?: unknown;
  readonly artifactType?: unknown;
  readonly subject?: unknown;
  readonly config?: { readonly mediaType?: unknown };
  readonly layers?: readonly { readonly mediaType?: unknown }[];
}

/**
 * Classifies a manifest pushed without a tag. Anything with a `subject` is a referrer (it is about
 * another image, not an image itself), whatever its type: signatures, attestations, SBOMs and
 * whatever tools invent next. Skipping it is what makes "our signature triggers us again" impossible.
 */
export const attachmentManifest = (manifestJson: string): AttachmentReason | undefined => {
  let manifest: ManifestShape;
  try {
    manifest = JSON.parse(manifestJson) as ManifestShape;
  } catch {
    return undefined;
  }
  const byType =
    attachmentMediaType(typeof manifest.artifactType === 'string' ? manifest.artifactType : undefined) ??
    attachmentMediaType(
      typeof manifest.config?.mediaType === 'string' ? manifest.config.mediaType : undefined,
    ) ??
    manifest.layers
      ?.map((layer) => attachmentMediaType(typeof layer.mediaType === 'string' ? layer.mediaType : undefined))
      .find((reason) => reason !== undefined);
  if (byType !== undefined) return byType;
  if (isReferrersIndex(manifest.manifests)) return 'referrers-index';
  return manifest.subject === undefined ? undefined : 'referrer';
};

/**
 * A tag-schema referrers index (OCI distribution 1.1, "referrers tag schema"): every descriptor it lists carries the
 * `artifactType` of a referrer, which a platform image's descriptor in a multi-arch index never does. Once rewritten,
 * the earlier one stays in the registry untagged, and must not be judged as a multi-arch image. Skipping such an
 * index is safe whoever pushed it: what is not judged is never signed, and admission refuses what is unsigned.
 */
const isReferrersIndex = (manifests: unknown): boolean =>
  Array.isArray(manifests) &&
  manifests.every(
    (descriptor) =>
      typeof descriptor === 'object' &&
      descriptor !== null &&
      typeof (descriptor as { artifactType?: unknown }).artifactType === 'string',
  );
