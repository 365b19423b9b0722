/**
 * Text for HTML: the one escaping every string on the board goes through, in an element or a quoted attribute.
 * Every value from scanners and pushers (finding ids, packages, reasons, tags, repositories) is hostile until
 * escaped here: `&<>"'` and the backtick become entities, and what a reader could not see or that would reorder
 * what they see (C0 and C1 controls, DEL, bidi overrides and isolates, line and paragraph separators, a BOM, a lone
 * surrogate) is shown as its `\uXXXX` code, so `<script>` reads as text and `a\u202eb` cannot pass for `ab`.
 */
export const escapeHtml = (value: string | number): string =>
  String(value)
    .replace(UNSEEN, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>"'`]/g, (char) => ENTITIES[char]!);

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

// Tab and newline stay (a <pre> keeps them); every other control, and the invisible reorderers, are shown.
const UNSEEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A query string, each name and value percent-encoded; `undefined` values are left out. Escape it for an href. */
export const queryString = (params: Readonly<Record<string, string | undefined>>): string => {
  const pairs = Object.entries(params).flatMap(([name, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(name)}=${encodeURIComponent(value)}`],
  );
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
};
