import { INDEX_MEDIA_TYPES } from './media-types';

/**
 * What a manifest is, told from its content alone. An index lists entries whose annotations and platforms the
 * pusher writes; only the bytes each entry's digest names say what a runtime would pull.
 * - `attestation`: an image manifest every one of whose layers is an in-toto statement or a DSSE envelope, as
 *   BuildKit writes provenance and SBOM attestations. No runtime can unpack such layers into a filesystem, so
 *   there is nothing to run, judge or sign.
 * - `image`: any other image manifest: runnable, so judged.
 * - `index`: a nested image index.
 * - `unknown`: missing, not JSON, or neither shape. The callers treat it as runnable: fail closed.
 */
export type ManifestKind = 'image' | 'index' | 'attestation' | 'unknown';

/** Layer media types that hold statements about an image, never a filesystem. */
export const STATEMENT_LAYER_MEDIA_TYPES: readonly string[] = [
  'application/vnd.in-toto+json',
  'application/vnd.dsse.envelope.v1+json',
];

export const manifestKind = (content: string | undefined): ManifestKind => {
  if (content === undefined) return 'unknown';
  let body: unknown;
  try {
    body = JSON.parse(content);
  } catch {
    return 'unknown';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'unknown';
  const manifest = body as { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
  const declaredIndex =
    typeof manifest.mediaType === 'string' && INDEX_MEDIA_TYPES.includes(manifest.mediaType);
  if (declaredIndex || Array.isArray(manifest.manifests)) return 'index';
  if (!Array.isArray(manifest.layers)) return 'unknown';
  const layers = manifest.layers as unknown[];
  const statementsOnly =
    layers.length > 0 &&
    layers.every((layer) => {
      const mediaType = (layer as { mediaType?: unknown } | null)?.mediaType;
      return typeof mediaType === 'string' && STATEMENT_LAYER_MEDIA_TYPES.includes(mediaType);
    });
  return statementsOnly ? 'attestation' : 'image';
};
