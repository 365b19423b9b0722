import { createHash } from 'node:crypto';
import type { Finding } from '../../core/domain/finding';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * Identifies what a verdict was judged from, independent of finding order and of the clock: the scan
 * status and every attribute of every finding that a rule can read. Two reads of the same scan give
 * the same fingerprint; any new, closed or re-scored finding gives another.
 */
export const findingsFingerprint = (status: string, findings: readonly Finding[]): string => {
  const lines = findings
    .map((finding) =>
      JSON.stringify([
        finding.id,
        finding.severity,
        finding.package?.name ?? null,
        finding.package?.version ?? null,
        finding.cvss?.score ?? null,
        finding.cvss?.version ?? null,
        finding.fixAvailable ?? null,
        finding.exploitAvailable ?? null,
        finding.fixedInVersion ?? null,
      ]),
    )
    .sort();
  return sha256(JSON.stringify([status, lines]));
};

/** The same for an image index: what each platform image was decided from. */
export const childrenFingerprint = (
  children: readonly { readonly digest: string; readonly outcome: string; readonly basis: string }[],
): string => sha256(JSON.stringify(children.map((child) => [child.digest, child.outcome, child.basis])));
