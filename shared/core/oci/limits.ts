/**
 * How much Tollgate reads from a registry. Everything a registry serves is written by whoever may push, so every
 * read has a ceiling, checked against the size a descriptor declares before the request and enforced on the bytes
 * while they stream in (a lying Content-Length or descriptor changes nothing). See docs/threat-model.md.
 */

const MiB = 1024 * 1024;

/** Manifests, indexes, referrers listings, tag-list pages: 4 MiB, the cap ECR and Distribution put on a manifest. */
export const MAX_MANIFEST_BYTES = 4 * MiB;

/** A simple-signing payload or a Sigstore bundle. Ours are a few KiB; cosign's are of the same order. */
export const MAX_SIGNATURE_BYTES = 1 * MiB;

/** Any other blob read without a limit of its own (image configs): nothing Tollgate reads is larger than a manifest. */
export const MAX_BLOB_BYTES = MAX_MANIFEST_BYTES;

/** A registry's error body or token response: only its first bytes are worth anything. */
export const MAX_ERROR_BODY_BYTES = 4 * 1024;
export const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * Signature artifacts read per `.sig` manifest and per referrers listing. What is kept of each is at most
 * MAX_SIGNATURE_BYTES, so this bounds the memory one listing can cost (64 MiB) no matter how many referrers a pusher
 * attaches; the ones beyond it are reported as not read, never silently dropped.
 */
export const MAX_SIGNATURES_READ = 64;

/** Signature artifacts read at the same time, so 2,000 referrers are not 2,000 open connections. */
export const SIGNATURE_READ_CONCURRENCY = 8;

/** A limit on one read. The effective ceiling is the smaller of `maxBytes` and `size`. */
export interface ReadLimits {
  /** The most bytes to accept. @default MAX_MANIFEST_BYTES for manifests, MAX_BLOB_BYTES for blobs */
  readonly maxBytes?: number;
  /**
   * The size the descriptor that led here declares. A declared size over `maxBytes` is refused without a request;
   * a body longer than the declared size is cut off where it passes it.
   */
  readonly size?: number;
  /** What the limit is for, in messages. @default `manifests` or `blobs` */
  readonly what?: string;
}

/** The limits for a simple-signing payload or a bundle described by `descriptor`. */
export const signatureLimits = (descriptor: { readonly size: number }): ReadLimits => ({
  maxBytes: MAX_SIGNATURE_BYTES,
  size: descriptor.size,
  what: 'signature payloads and bundles',
});

/** `4 MiB`, `1 MiB`, `512 KiB`, `300 bytes`: limits in messages, as the docs spell them. */
export const formatBytes = (bytes: number): string => {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
};
