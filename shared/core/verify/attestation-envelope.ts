import { verify, type KeyObject } from 'node:crypto';
import type { Digest } from '../domain';
import { IN_TOTO_PAYLOAD_TYPE } from '../formats/payload/statement';
import { sha256KeyId } from './key-ids';
import { accepted, rejected, type VerificationResult } from './result';
import { checkStatement } from './statement';
import { parseStrictJson } from './strict-json';

export interface AttestationExpectation {
  readonly digest: Digest;
  readonly predicateType: string;
}

interface Envelope {
  readonly payloadType: string;
  readonly payload: Buffer;
  readonly signature: Buffer;
}

/**
 * Verifies a bare DSSE envelope, as a cosign `.att` layer holds it, the way the strictest reader of that layout
 * does: cosign's legacy attestation path (pkg/cosign/verify.go, verifyOCIAttestation) wants the in-toto payload
 * type and a signature over the PAE; go-securesystemslib skips a signature whose non-empty keyid is not the key's
 * SHA256KeyID wherever a verifier names the key; sigstore-go takes exactly one signature. Then the statement, as
 * for a bundle: in-toto v1, this digest, this predicate type, nothing the protobuf does not define.
 */
export const verifyAttestationEnvelope = (
  envelopeJson: Buffer,
  expected: AttestationExpectation,
  key: KeyObject,
  reference?: string,
): VerificationResult => {
  const no = (reason: Parameters<typeof rejected>[1], message: string): VerificationResult =>
    rejected('vuln-attestation', reason, message, reference);
  const parsed = parseEnvelope(envelopeJson, key);
  if ('problem' in parsed) return no(parsed.keyId ? 'SIGNATURE_INVALID' : 'MALFORMED_BUNDLE', parsed.problem);
  if (parsed.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return no('MALFORMED_BUNDLE', `DSSE payload type ${parsed.payloadType} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  if (!signedBy(parsed, key)) {
    return no('SIGNATURE_INVALID', 'the DSSE signature does not verify with the trusted key');
  }
  const statement = checkStatement(parsed.payload, expected.digest, expected.predicateType);
  if (!statement.ok) return no(statement.reason, statement.message);
  return accepted(
    'vuln-attestation',
    `DSSE attestation (${expected.predicateType}) signed by the trusted key`,
    reference,
  );
};

/** A DSSE envelope whose one signature verifies with `key`, whatever it says: ours to remove. */
export const envelopeSignedBy = (envelopeJson: Buffer, key: KeyObject): boolean => {
  const parsed = parseEnvelope(envelopeJson, key);
  return !('problem' in parsed) && signedBy(parsed, key);
};

/** DSSE v1 pre-authentication encoding: what the signature covers (keyid is outside it). */
export const preAuthenticationEncoding = (payloadType: string, payload: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);

const ENVELOPE_FIELDS = ['payloadType', 'payload', 'signatures'];
const SIGNATURE_FIELDS = ['keyid', 'sig'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface EnvelopeProblem {
  readonly problem: string;
  /** The signature is skipped for its keyid: a signature problem, not a malformed envelope. */
  readonly keyId: boolean;
}

/** The envelope's parts, or why it is not one a Go verifier would accept. */
const parseEnvelope = (json: Buffer, key: KeyObject): Envelope | EnvelopeProblem => {
  const malformed = (problem: string): EnvelopeProblem => ({ problem, keyId: false });
  let value: unknown;
  try {
    value = parseStrictJson(json.toString('utf8'));
  } catch (error) {
    return malformed(`not a DSSE envelope: ${(error as Error).message}`);
  }
  const envelope = record(value);
  if (envelope === undefined) return malformed('the DSSE envelope is not a JSON object');
  const unknown = Object.keys(envelope).find((field) => !ENVELOPE_FIELDS.includes(field));
  if (unknown !== undefined)
    return malformed(`the DSSE envelope has the unknown field ${JSON.stringify(unknown)}`);
  const { payloadType, payload, signatures } = envelope;
  if (typeof payloadType !== 'string' || typeof payload !== 'string' || !BASE64.test(payload)) {
    return malformed('the DSSE envelope has no payloadType or no base64 payload');
  }
  if (!Array.isArray(signatures) || signatures.length !== 1) {
    return malformed(
      `the DSSE envelope has ${Array.isArray(signatures) ? signatures.length : 0} signatures; sigstore-go takes exactly one`,
    );
  }
  const signature = record(signatures[0]);
  if (signature === undefined || Object.keys(signature).some((field) => !SIGNATURE_FIELDS.includes(field))) {
    return malformed('the DSSE signature is not {keyid, sig}');
  }
  const keyid = signature.keyid ?? '';
  const expectedKeyId = sha256KeyId(key);
  if (typeof keyid !== 'string') return malformed('the DSSE signature keyid is not a string');
  if (keyid !== '' && expectedKeyId !== undefined && keyid !== expectedKeyId) {
    return {
      problem: `the DSSE signature's keyid ${JSON.stringify(keyid.slice(0, 100))} is neither empty nor the trusted key's SHA256KeyID ${expectedKeyId}, so go-securesystemslib skips it`,
      keyId: true,
    };
  }
  if (typeof signature.sig !== 'string' || !BASE64.test(signature.sig)) {
    return malformed('the DSSE signature is not base64');
  }
  return {
    payloadType,
    payload: Buffer.from(payload, 'base64'),
    signature: Buffer.from(signature.sig, 'base64'),
  };
};

// A malformed DER signature makes node throw; for a verifier it is simply a signature that does not verify.
const signedBy = (envelope: Envelope, key: KeyObject): boolean => {
  try {
    return verify(
      'sha256',
      preAuthenticationEncoding(envelope.payloadType, envelope.payload),
      key,
      envelope.signature,
    );
  } catch {
    return false;
  }
};

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
