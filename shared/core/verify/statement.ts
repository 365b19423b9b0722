import { digestHex, type Digest } from '../domain';
import { IN_TOTO_STATEMENT_V1 } from '../formats/payload/statement';
import { statementShapeProblem } from './bundle-shape';
import type { VerificationReason } from './result';
import { parseStrictJson } from './strict-json';

export type StatementCheck =
  | { readonly ok: true; readonly statement: Record<string, unknown> }
  | { readonly ok: false; readonly reason: VerificationReason; readonly message: string };

/**
 * Checks a signed in-toto statement says what we rely on. A valid DSSE signature over a statement of another
 * `_type` (or none) proves nothing about this image: its fields may mean something else entirely.
 */
export const checkStatement = (payload: Buffer, digest: Digest, predicateType: string): StatementCheck => {
  let statement: unknown;
  try {
    statement = parseStrictJson(payload.toString('utf8'));
  } catch (error) {
    return {
      ok: false,
      reason: 'MALFORMED_PAYLOAD',
      message: `statement is not strict JSON: ${(error as Error).message}`,
    };
  }
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
    return { ok: false, reason: 'MALFORMED_PAYLOAD', message: 'statement is not a JSON object' };
  }
  const record = statement as Record<string, unknown>;
  if (record._type !== IN_TOTO_STATEMENT_V1) {
    return {
      ok: false,
      reason: 'STATEMENT_TYPE',
      message: `statement _type ${JSON.stringify(record._type) ?? 'missing'} is not ${IN_TOTO_STATEMENT_V1}`,
    };
  }
  // sigstore-go reads the statement with protojson, which refuses what the in-toto protobuf does not define.
  const shape = statementShapeProblem(record);
  if (shape !== undefined) return { ok: false, reason: 'MALFORMED_PAYLOAD', message: shape };
  const hex = digestHex(digest);
  const subjects = Array.isArray(record.subject) ? (record.subject as unknown[]) : [];
  const matches = subjects.some(
    (subject) =>
      typeof subject === 'object' &&
      subject !== null &&
      (subject as { digest?: { sha256?: unknown } }).digest?.sha256 === hex,
  );
  if (!matches)
    return { ok: false, reason: 'SUBJECT_MISMATCH', message: `no statement subject has digest ${digest}` };
  if (record.predicateType !== predicateType) {
    return {
      ok: false,
      reason: 'PREDICATE_TYPE',
      message: `predicateType ${JSON.stringify(record.predicateType)} is not ${predicateType}`,
    };
  }
  return { ok: true, statement: record };
};
