import type { KeyObject } from 'node:crypto';
import { sha256KeyId } from './key-ids';

/**
 * What the Go verifiers users run (sigstore-go under cosign v3 and Kyverno) refuse in a bundle that
 * @sigstore/verify would accept. sigstore-go reads the bundle and the signed statement with protojson, which
 * rejects any field the protobuf does not define, and takes exactly one DSSE signature, whose `keyid` must be
 * empty or go-securesystemslib's SHA256KeyID of the key. A bundle only @sigstore/verify accepts fails in users'
 * clusters, so Tollgate refuses it too.
 *
 * Field names are the protobuf-specs JSON names (camelCase). protojson would also take the snake_case proto names;
 * @sigstore/bundle would not, so they count as unknown here: stricter than either alone.
 */

export type ShapeProblem =
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'key-id'; readonly message: string };

const BUNDLE_FIELDS = ['mediaType', 'verificationMaterial', 'dsseEnvelope', 'messageSignature'];
const VERIFICATION_MATERIAL_FIELDS = [
  'publicKey',
  'x509CertificateChain',
  'certificate',
  'tlogEntries',
  'timestampVerificationData',
];
const ENVELOPE_FIELDS = ['payload', 'payloadType', 'signatures'];
const SIGNATURE_FIELDS = ['sig', 'keyid'];
// in-toto attestation v1 Statement and ResourceDescriptor, as their protobufs define them.
const STATEMENT_FIELDS = ['_type', 'subject', 'predicateType', 'predicate'];
const RESOURCE_DESCRIPTOR_FIELDS = [
  'name',
  'uri',
  'digest',
  'content',
  'downloadLocation',
  'mediaType',
  'annotations',
];
// sigstore-go's limits (pkg/verify/signature.go, limitSubjects).
const MAX_SUBJECTS = 1024;
const MAX_SUBJECT_DIGESTS = 32;

/** The first reason a Go verifier would refuse this bundle's structure, or `undefined`. */
export const bundleShapeProblem = (json: unknown, key: KeyObject): ShapeProblem | undefined => {
  const malformed = (message: string): ShapeProblem => ({ kind: 'malformed', message });
  const bundle = record(json);
  if (bundle === undefined) return malformed('the bundle is not a JSON object');
  const unknownAt =
    unknownField(bundle, BUNDLE_FIELDS, 'bundle') ??
    unknownField(record(bundle.verificationMaterial), VERIFICATION_MATERIAL_FIELDS, 'verificationMaterial') ??
    unknownField(record(record(bundle.verificationMaterial)?.publicKey), ['hint'], 'publicKey') ??
    unknownField(
      record(record(bundle.verificationMaterial)?.timestampVerificationData),
      ['rfc3161Timestamps'],
      'timestampVerificationData',
    ) ??
    unknownField(record(bundle.dsseEnvelope), ENVELOPE_FIELDS, 'dsseEnvelope');
  if (unknownAt !== undefined) return malformed(unknownAt);

  const material = record(bundle.verificationMaterial);
  // Tollgate's trust root is one key. A certificate, a log entry or a timestamp is evidence it cannot check, and
  // a verifier that can check it would refuse the bundle if it did not hold: never accept it unexamined.
  if (material?.publicKey === undefined) {
    return malformed('the bundle is not verified by a public key (certificate or nothing instead)');
  }
  if (material.certificate !== undefined || material.x509CertificateChain !== undefined) {
    return malformed('the bundle carries a certificate as well as a public key');
  }
  if (nonEmptyList(material.tlogEntries)) {
    return malformed('the bundle carries transparency-log entries, which a key-only trust root cannot check');
  }
  if (nonEmptyList(record(material.timestampVerificationData)?.rfc3161Timestamps)) {
    return malformed('the bundle carries RFC 3161 timestamps, which a key-only trust root cannot check');
  }

  const envelope = record(bundle.dsseEnvelope);
  if (envelope === undefined) return malformed('the bundle holds no DSSE envelope');
  const signatures = Array.isArray(envelope.signatures) ? (envelope.signatures as unknown[]) : [];
  // sigstore-go, pkg/verify/signature.go verifyEnvelope: ErrDSSEInvalidSignatureCount.
  if (signatures.length !== 1) {
    return malformed(`the DSSE envelope has ${signatures.length} signatures; sigstore-go takes exactly one`);
  }
  const signature = record(signatures[0]);
  const unknownInSignature = unknownField(signature, SIGNATURE_FIELDS, 'DSSE signature');
  if (unknownInSignature !== undefined) return malformed(unknownInSignature);
  const keyid = signature?.keyid ?? '';
  if (typeof keyid !== 'string') return malformed('the DSSE signature keyid is not a string');
  const expected = sha256KeyId(key);
  // go-securesystemslib dsse/verify.go VerifyAndDecode: a non-empty keyid that differs from the verifier's
  // SHA256KeyID skips the signature, leaving "accepted signatures do not match threshold, Found: 0".
  if (keyid !== '' && expected !== undefined && keyid !== expected) {
    return {
      kind: 'key-id',
      message: `the DSSE signature's keyid ${JSON.stringify(keyid.slice(0, 100))} is neither empty nor the trusted key's SHA256KeyID ${expected}, so go-securesystemslib (sigstore-go, cosign, Kyverno) skips the signature and finds none`,
    };
  }
  return undefined;
};

/** The first reason sigstore-go would refuse the signed in-toto statement (protojson, limitSubjects). */
export const statementShapeProblem = (statement: Record<string, unknown>): string | undefined => {
  const unknownAt = unknownField(statement, STATEMENT_FIELDS, 'statement');
  if (unknownAt !== undefined) return unknownAt;
  if (statement.predicate !== undefined && record(statement.predicate) === undefined) {
    return 'the statement predicate is not a JSON object';
  }
  if (!Array.isArray(statement.subject)) return 'the statement subject is not a list';
  const subjects = statement.subject as unknown[];
  if (subjects.length > MAX_SUBJECTS)
    return `the statement has ${subjects.length} subjects, more than ${MAX_SUBJECTS}`;
  for (const [index, entry] of subjects.entries()) {
    const subject = record(entry);
    if (subject === undefined) return `statement subject ${index} is not a JSON object`;
    const unknownInSubject = unknownField(subject, RESOURCE_DESCRIPTOR_FIELDS, `statement subject ${index}`);
    if (unknownInSubject !== undefined) return unknownInSubject;
    const digests = record(subject.digest) ?? {};
    const values = Object.values(digests);
    if (values.length > MAX_SUBJECT_DIGESTS) {
      return `statement subject ${index} has ${values.length} digests, more than ${MAX_SUBJECT_DIGESTS}`;
    }
    // sigstore-go hex-decodes every subject digest, whatever its algorithm, and fails on one that is not hex.
    if (values.some((value) => typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(value))) {
      return `statement subject ${index} has a digest that is not a hex string`;
    }
  }
  return undefined;
};

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const unknownField = (
  value: Record<string, unknown> | undefined,
  known: readonly string[],
  where: string,
): string | undefined => {
  if (value === undefined) return undefined;
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  return unknown === undefined ? undefined : `${where} has the unknown field ${JSON.stringify(unknown)}`;
};

const nonEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length > 0;
