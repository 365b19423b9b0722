import * as z from 'zod';
import { isDigest, type Digest } from '../../domain/digest';
import type { Finding } from '../../domain/finding';
import type { ScanSummary } from '../../domain/verdict';
import { parseEventTime } from '../../events/inspector-time';
import { parseImageReference, type ImageReference } from '../../gate/image-reference';

export type ReportScanner = 'TRIVY' | 'GRYPE';

/**
 * A Trivy or Grype report, normalized: the same Finding the ECR path makes, and what the report says about the
 * image it was run on.
 */
export interface ScannerReport {
  readonly format: 'trivy' | 'grype';
  readonly scanner: ReportScanner;
  /** The scanner's version as it reports it (`Trivy.Version`, `descriptor.version`). */
  readonly scannerVersion?: string;
  /** What the scanner was pointed at, in its words: Trivy's `ArtifactName`, Grype's `userInput` or target. */
  readonly artifactName?: string;
  /**
   * The registry digests the report ties itself to (Trivy `Metadata.RepoDigests`; Grype `repoDigests` and
   * `manifestDigest`), without repeats. Empty when it names none, as for an image read from a tar archive.
   */
  readonly digests: readonly Digest[];
  /** The image config's digest (`ImageID`, `imageID`). It names the content, but no registry knows an image by it. */
  readonly imageId?: Digest;
  /** The registry references the report names (repo digests first, then tags), parsed; the repository comes from them. */
  readonly references: readonly ImageReference[];
  /** A report is written when its scan is over: status COMPLETE, with the report's own time. */
  readonly scan: Omit<ScanSummary, 'scanner'> & { readonly scanner: ReportScanner };
  readonly findings: readonly Finding[];
  /** What the report holds that the policy does not judge, one line each (Trivy secrets, Grype ignored matches). */
  readonly notes: readonly string[];
}

/** The status every scanner report is judged under: a report is only written once its scan is over. */
export const REPORT_SCAN_STATUS = 'COMPLETE';

/** The digest of `repo@sha256:…`, or undefined for a reference without one (or with another algorithm). */
export const digestOfReference = (reference: string): Digest | undefined => {
  const at = reference.lastIndexOf('@');
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  return isDigest(digest) ? digest : undefined;
};

/** Each digest once, in first-seen order. */
export const uniqueDigests = (digests: readonly (Digest | undefined)[]): Digest[] => [
  ...new Set(digests.filter((digest): digest is Digest => digest !== undefined)),
];

/** The references that parse; one that does not is left out (it only ever supplies a repository name). */
export const parseReferences = (texts: readonly string[]): ImageReference[] =>
  texts.flatMap((text) => {
    try {
      return [parseImageReference(text)];
    } catch {
      return [];
    }
  });

const VECTOR_VERSION = /^CVSS:(\d+\.\d+)\//;

/** `3.1` from `CVSS:3.1/AV:N/…`, or `fallback` when the vector does not say. */
export const vectorVersion = (vector: string | undefined, fallback: string): string =>
  VECTOR_VERSION.exec(vector ?? '')?.[1] ?? fallback;

/** A CVSS base score: a number from 0 to 10. */
export const cvssScoreSchema = z.number().min(0).max(10);

/**
 * A scanner's RFC 3339 time (Go's time.Time, nanoseconds included), as ISO 8601 in milliseconds. An empty string is
 * no time: Grype writes `""` when asked not to stamp its report.
 */
export const reportTimeSchema = z.string().transform((value, ctx): string | undefined => {
  if (value === '') return undefined;
  const iso = parseEventTime(value);
  if (iso === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected an RFC 3339 time, got ${quote(value)}` });
    return z.NEVER;
  }
  return iso;
});

const QUOTED_MAX = 60;

/**
 * C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates, zero-width
 * characters and the BOM: the characters shared/core/alerts/text.ts keeps out of alerts.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text from a report, fit for a terminal: every character above written as a `\uXXXX` escape, so a hostile
 * report can neither move the cursor nor reorder what a reader sees.
 */
export const printable = (value: string): string =>
  value.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A value from the report, quoted for a message: cut short, escaped, so a hostile file cannot flood the terminal. */
export const quote = (value: string): string => {
  // Cut on a code point: a half of a surrogate pair is no character.
  const cut = value.slice(0, QUOTED_MAX).replace(/[\ud800-\udbff]$/, '');
  const short = value.length > QUOTED_MAX ? `${cut}…` : value;
  return `"${printable(short.replaceAll('\\', '\\\\').replaceAll('"', '\\"'))}"`;
};
