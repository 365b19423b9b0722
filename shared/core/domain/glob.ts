/**
 * Repository patterns follow EventBridge's `wildcard` semantics exactly: `*` matches any run of
 * characters, `/` included, and nothing else is special. The same pattern then selects the same
 * repositories in the rule that routes events and in the code that judges them.
 */
export const globToRegExp = (pattern: string): RegExp => new RegExp(`^${globSource(pattern)}$`);

/**
 * The regular-expression source of a glob, every other character literal; `star` is what `*` becomes, for
 * the engines (RE2 in Kyverno's CEL) whose `.` means something else.
 */
export const globSource = (pattern: string, star = '.*'): string =>
  pattern.split('*').map(escapeRegExp).join(star);

export const matchesGlob = (pattern: string, value: string): boolean => globToRegExp(pattern).test(value);

export const matchesAnyGlob = (patterns: readonly string[], value: string): boolean =>
  patterns.some((pattern) => matchesGlob(pattern, value));

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
