export const SEVERITIES = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'INFORMATIONAL',
  'UNTRIAGED',
  'UNDEFINED',
] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FixAvailable = 'YES' | 'NO' | 'PARTIAL';
export type ExploitAvailable = 'YES' | 'NO';

/**
 * The one shape both ECR basic scanning and Inspector enhanced scanning findings are normalized to.
 * Attributes a scanner did not report stay undefined: a guessed severity or fix would change verdicts.
 */
export interface Finding {
  /** CVE id where there is one, otherwise the scanner's finding name. */
  readonly id: string;
  readonly severity: Severity;
  readonly title?: string;
  readonly description?: string;
  readonly cvss?: { readonly score: number; readonly version?: string };
  readonly package?: { readonly name: string; readonly version?: string };
  readonly fixedInVersion?: string;
  readonly fixAvailable?: FixAvailable;
  readonly exploitAvailable?: ExploitAvailable;
  readonly sourceUrl?: string;
}

export type SeverityCounts = Partial<Record<Severity, number>>;

export const countBySeverity = (findings: readonly Finding[]): SeverityCounts => {
  const counts: SeverityCounts = {};
  for (const finding of findings) counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
  return counts;
};
