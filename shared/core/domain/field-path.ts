/**
 * The dotted name of a field, as every validation error in Tollgate spells it: `defaults.maxCvss`,
 * `exceptions.0.expires`, `(root)` for the document itself. An empty key is written `""`, so that the
 * name still points somewhere a person can find (a bare `''` reads as "no field").
 */
export const fieldPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? '(root)' : path.map((key) => (key === '' ? '""' : String(key))).join('.');
