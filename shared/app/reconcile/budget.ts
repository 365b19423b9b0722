/** Manifest PUTs one approved image costs with every format: `.sig`, the signature bundle, the attestation and `.att`. */
export const PUTS_PER_IMAGE = 4;

/** The share of the signing budget the sweep may take; the rest stays for the teams' own pushes being signed. */
export const SWEEP_SHARE = 0.5;

/**
 * Signing requests one sweep may cause: what its share of `signing.putImagePerSecond` signs over one interval. A
 * backfill of thousands of images is spread over as many runs as that takes, never queued at once.
 */
export const signingCap = (putImagePerSecond: number, intervalMinutes: number): number =>
  Math.max(1, Math.floor((putImagePerSecond * SWEEP_SHARE * intervalMinutes * 60) / PUTS_PER_IMAGE));

/** How long signing `images` takes at the whole signing budget, in seconds (for `tollgate backfill --dry-run`). */
export const signingSeconds = (images: number, putImagePerSecond: number): number =>
  Math.ceil((images * PUTS_PER_IMAGE) / putImagePerSecond);
