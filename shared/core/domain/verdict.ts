import type { SignatureFormat } from './signature-format';
import type { Finding, SeverityCounts } from './finding';
import type { ImageRef } from './image-ref';

/** Bumped only on a breaking change of the verdict shape; consumers pin on it. */
export const VERDICT_SCHEMA_VERSION = '1.0' as const;

export type VerdictOutcome = 'APPROVED' | 'REJECTED' | 'ERROR' | 'REVOKED';
export type PolicyMode = 'enforce' | 'warn';
export type Scanner = 'ECR_BASIC' | 'INSPECTOR';

/** Why an image could not be judged. Each one fails closed: nothing with an ERROR verdict is signed. */
export type VerdictErrorCode =
  | 'NOT_SCANNED'
  | 'SCAN_TIMEOUT'
  | 'SCAN_FAILED'
  | 'INVALID_POLICY'
  | 'REGISTRY_INTEGRITY'
  | 'SIGNING_FAILED'
  /** Something a runtime could pull that Tollgate does not judge (a nested image index): refused, never signed. */
  | 'UNSUPPORTED_ARTIFACT'
  /** An index entry the signer was asked to sign has no APPROVED verdict of its own. */
  | 'UNJUDGED_ENTRY'
  | 'MALFORMED_INPUT'
  | 'INTERNAL';

export interface ScanSummary {
  readonly scanner: Scanner;
  readonly status: string;
  readonly completedAt?: string;
  readonly severityCounts: SeverityCounts;
}

export interface BlockingFinding {
  readonly id: string;
  readonly severity: Finding['severity'];
  readonly package?: string;
  /** Which rule made it block, e.g. `severityLimits.CRITICAL`, `maxCvss`, `blockExploitAvailable`. */
  readonly rule: string;
}

export interface AppliedException {
  readonly id: string;
  readonly package?: string;
  readonly reason: string;
  readonly expires: string;
  readonly matched: number;
}

export interface SignatureRef {
  readonly format: SignatureFormat;
  readonly reference: string;
}

interface VerdictBase {
  readonly schemaVersion: typeof VERDICT_SCHEMA_VERSION;
  readonly image: ImageRef;
  readonly mode: PolicyMode;
  /** Human-readable, one line each. Stable enough to show users, not to parse. */
  readonly reasons: readonly string[];
  readonly warnings: readonly string[];
  readonly decidedAt: string;
  /** SHA-256 of the policy document that judged the image, so a verdict always names its policy. */
  readonly policyDigest?: string;
}

interface JudgedVerdict extends VerdictBase {
  readonly scan: ScanSummary;
  readonly blocking: readonly BlockingFinding[];
  /** All blocking findings, even where `blocking` was capped. */
  readonly blockingTotal: number;
  readonly exceptionsApplied: readonly AppliedException[];
}

export interface ApprovedVerdict extends JudgedVerdict {
  readonly outcome: 'APPROVED';
}

export interface RejectedVerdict extends JudgedVerdict {
  readonly outcome: 'REJECTED';
}

/** An APPROVED image that a later finding or policy refuses. Its signatures are handled per `revocation`. */
export interface RevokedVerdict extends JudgedVerdict {
  readonly outcome: 'REVOKED';
  readonly revokedAt: string;
}

export interface ErrorVerdict extends VerdictBase {
  readonly outcome: 'ERROR';
  readonly error: { readonly code: VerdictErrorCode; readonly message: string };
  readonly scan?: ScanSummary;
}

export type Verdict = ApprovedVerdict | RejectedVerdict | RevokedVerdict | ErrorVerdict;

/** The only question the signer asks. A function, so fail-closed is one place and not a convention. */
export const mayBeSigned = (verdict: Verdict): verdict is ApprovedVerdict => verdict.outcome === 'APPROVED';

export const errorVerdict = (
  image: ImageRef,
  code: VerdictErrorCode,
  message: string,
  decidedAt: string,
  extra: { readonly mode?: PolicyMode; readonly scan?: ScanSummary; readonly policyDigest?: string } = {},
): ErrorVerdict => ({
  schemaVersion: VERDICT_SCHEMA_VERSION,
  outcome: 'ERROR',
  image,
  mode: extra.mode ?? 'enforce',
  reasons: [`${code}: ${message}`],
  warnings: [],
  decidedAt,
  error: { code, message },
  ...(extra.scan === undefined ? {} : { scan: extra.scan }),
  ...(extra.policyDigest === undefined ? {} : { policyDigest: extra.policyDigest }),
});
