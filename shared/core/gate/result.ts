import type { Digest } from '../domain';
import type { VerificationReason } from '../verify/result';

/** The formats that count as a signature of the image; the vulnerability attestation is judged on its own. */
export type GateSignatureFormat = 'cosign-legacy' | 'sigstore-bundle';

/** One signature found for the digest, and what the trusted key made of it. */
export interface GateSignature {
  readonly format: GateSignatureFormat;
  readonly valid: boolean;
  /** Why it was accepted or refused, in one line. */
  readonly reason: string;
  /** The refusal, as a code a program can branch on. Absent for a valid signature. */
  readonly code?: VerificationReason;
  /** Where it was read: `registry/repo:sha256-<hex>.sig#<layer>` or `registry/repo@<referrer digest>`. */
  readonly reference?: string;
}

export type AttestationStatus = 'VALID' | 'MISSING' | 'INVALID' | 'NOT_APPROVED' | 'EXPIRED';

/** The best vulnerability attestation found (`https://cosign.sigstore.dev/attestation/vuln/v1`). */
export interface AttestationReport {
  /** Whether the gate demanded it (`--require-attestation`). Judged and reported either way. */
  readonly required: boolean;
  readonly valid: boolean;
  readonly status: AttestationStatus;
  readonly reason: string;
  /** The maximum scan age applied, e.g. `7d`. */
  readonly maxAge: string;
  readonly verdict?: string;
  readonly scanFinishedOn?: string;
  readonly reference?: string;
}

export interface GateResult {
  /** The image as checked, canonically spelled (tag included when one was given). */
  readonly image: string;
  /** The digest the tag resolved to, once; everything was checked on it. `null` when the image does not exist. */
  readonly digest: Digest | null;
  readonly verified: boolean;
  readonly signatures: readonly GateSignature[];
  readonly attestation: AttestationReport;
  /** One line per failed check (`image: …`, `signature: …`, `attestation: …`); empty when verified. */
  readonly failures: readonly string[];
}
