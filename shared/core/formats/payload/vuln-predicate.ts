import type { ApprovedVerdict, Scanner } from '../../domain';

/** cosign's `CosignVulnPredicate` (attestation/vuln/v1), with Tollgate's judgement in `scanner.result`. */
export interface VulnPredicate {
  readonly invocation: {
    readonly parameters: { readonly policyDigest: string | null; readonly mode: string };
    readonly uri: string;
    readonly event_id: string;
    readonly 'builder.id': string;
  };
  readonly scanner: {
    readonly uri: string;
    readonly version: string;
    readonly db: { readonly uri: string; readonly version: string };
    readonly result: VulnResult;
  };
  readonly metadata: { readonly scanStartedOn: string; readonly scanFinishedOn: string };
}

export interface VulnResult {
  readonly verdict: 'APPROVED';
  readonly scanStatus: string;
  readonly severityCounts: ApprovedVerdict['scan']['severityCounts'];
  readonly policyDigest: string | null;
  readonly mode: string;
  readonly decidedAt: string;
  readonly exceptionsApplied: ApprovedVerdict['exceptionsApplied'];
  readonly warnings: readonly string[];
}

/**
 * Who produced the attestation. A URN in Tollgate's own name, not a URL: Tollgate owns no web address, and a
 * made-up repository URL could one day be registered by someone else and then seem to vouch for these verdicts.
 * The trailing version changes only if the predicate's meaning does.
 */
export const TOLLGATE_BUILDER_ID = 'urn:tollgate:signer:v1';

const SCANNER_URI: Record<Scanner, string> = {
  ECR_BASIC: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-basic.html',
  INSPECTOR: 'https://docs.aws.amazon.com/inspector/latest/user/scanning-ecr.html',
};

/**
 * The vulnerability attestation for an approved image. The verdict records only when the scan completed, so
 * `scanStartedOn` falls back to that time (and both to `decidedAt` when the scanner gave none).
 */
export const vulnPredicate = (verdict: ApprovedVerdict): VulnPredicate => {
  const finished = verdict.scan.completedAt ?? verdict.decidedAt;
  const policyDigest = verdict.policyDigest ?? null;
  return {
    invocation: {
      parameters: { policyDigest, mode: verdict.mode },
      uri: '',
      event_id: '',
      'builder.id': TOLLGATE_BUILDER_ID,
    },
    scanner: {
      uri: SCANNER_URI[verdict.scan.scanner],
      version: '',
      db: { uri: '', version: '' },
      result: {
        verdict: verdict.outcome,
        scanStatus: verdict.scan.status,
        severityCounts: verdict.scan.severityCounts,
        policyDigest,
        mode: verdict.mode,
        decidedAt: verdict.decidedAt,
        exceptionsApplied: verdict.exceptionsApplied,
        warnings: verdict.warnings,
      },
    },
    metadata: { scanStartedOn: finished, scanFinishedOn: finished },
  };
};
