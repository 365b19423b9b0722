/**
 * Text hygiene shared by every channel. Strings in an alert come from scanners, policy files and
 * pushers (finding ids, package names, tags, reasons), so none of them may shape the message: they
 * lose every control character and line break, and each renderer then escapes for its own markup.
 */

/**
 * C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates
 * (which reorder what a reader sees, "Trojan Source"), zero-width characters and the BOM.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** One line: unsafe characters become spaces, runs of spaces one space. */
export const oneLine = (value: string): string => value.replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim();

/** Cuts to `max` characters (code points, so no surrogate half is left), marking the cut with `…`. */
export const truncate = (value: string, max: number): string => {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
};

/** {@link oneLine}, then {@link truncate}: the form every untrusted string takes in an alert. */
export const clean = (value: string, max: number): string => truncate(oneLine(value), max);

/**
 * SNS accepts a subject of ASCII text under 100 characters, starting with a letter, digit or
 * punctuation, with no line break or control character; anything else fails the Publish, and a
 * subject is a mail header, so a line break in it would be header injection. Accents are dropped
 * (é → e), other non-ASCII characters become `?`.
 */
export const SNS_SUBJECT_MAX = 99;

export const asciiSubject = (value: string): string => {
  const ascii = oneLine(value)
    // Dashes (‐ ‑ ‒ – — ―) read as a hyphen, rather than `?`.
    .replace(/[\u2010-\u2015]/g, '-')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/gu, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  const subject = ascii.length <= SNS_SUBJECT_MAX ? ascii : `${ascii.slice(0, SNS_SUBJECT_MAX - 3)}...`;
  return subject === '' ? 'Tollgate alert' : subject;
};

/**
 * Mail clients turn anything that looks like a URL into a link. In untrusted text of a plain-text
 * message the scheme separator is broken (`https[:]//evil`), the usual defanging in security alerts,
 * so a finding named after a phishing page is shown, not offered as a link.
 */
export const defang = (value: string): string => value.replace(/:\/\//g, '[:]//');
