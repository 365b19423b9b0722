import { bundleFromJSON, isBundleWithDsseEnvelope } from '@sigstore/bundle';
import type { Digest } from '../domain';
import { digestHex } from '../domain';
import { sameRepository } from '../verify/docker-reference';
import { parseStrictJson } from '../verify/strict-json';

/**
 * The in-toto statement inside a bundle that `verifyBundle` has already accepted, so every field in it is signed.
 * `undefined` only if called on a bundle that was not checked first.
 */
export const signedStatement = (bundleJson: Buffer): Record<string, unknown> | undefined => {
  try {
    const bundle = bundleFromJSON(parseStrictJson(bundleJson.toString('utf8')));
    if (!isBundleWithDsseEnvelope(bundle)) return undefined;
    const statement = parseStrictJson(bundle.content.dsseEnvelope.payload.toString('utf8'));
    return typeof statement === 'object' && statement !== null && !Array.isArray(statement)
      ? (statement as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The repository names the statement's subjects give for `digest`. Tollgate names the subject
 * `registry/repository`, like cosign; a bundle whose subject names another repository was approved there, under
 * that repository's policy, and is refused here just as a legacy payload with another `docker-reference` is.
 * A subject without a name binds the digest alone (the way plain key-signed statements do) and names nothing.
 */
export const subjectNames = (statement: Record<string, unknown>, digest: Digest): string[] => {
  const hex = digestHex(digest);
  const subjects = Array.isArray(statement.subject) ? (statement.subject as unknown[]) : [];
  return subjects.flatMap((subject) => {
    const record = subject as { name?: unknown; digest?: { sha256?: unknown } } | null;
    if (record?.digest?.sha256 !== hex || typeof record.name !== 'string' || record.name === '') return [];
    return [record.name];
  });
};

export const namesRepository = (names: readonly string[], identity: string): boolean =>
  names.length === 0 || names.some((name) => sameRepository(name, identity));
