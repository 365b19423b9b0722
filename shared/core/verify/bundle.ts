import type { KeyObject } from 'node:crypto';
import {
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  isBundleWithDsseEnvelope,
  type Bundle,
} from '@sigstore/bundle';
import { toSignedEntity, Verifier, type TrustMaterial } from '@sigstore/verify';
import type { Digest } from '../domain';
import { IN_TOTO_PAYLOAD_TYPE } from '../formats/payload/statement';
import { bundleShapeProblem } from './bundle-shape';
import { accepted, rejected, type SignatureFormat, type VerificationResult } from './result';
import { checkStatement } from './statement';
import { parseStrictJson } from './strict-json';

export interface BundleExpectation {
  readonly digest: Digest;
  readonly predicateType: string;
  readonly format: Exclude<SignatureFormat, 'cosign-legacy'>;
}

/**
 * Trust in exactly one key and nothing else: no CAs, no transparency logs, no timestamp authorities. A KMS key
 * kept private has no Rekor entry, so the log and timestamp thresholds are 0; the key itself is the trust root.
 */
export const publicKeyTrustMaterial = (key: KeyObject): TrustMaterial => ({
  certificateAuthorities: [],
  timestampAuthorities: [],
  tlogs: [],
  ctlogs: [],
  publicKey: () => ({ publicKey: key, validFor: () => true }),
});

const VERIFIER_OPTIONS = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 } as const;

/** Verifies a v0.3 DSSE bundle with @sigstore/verify, then the statement it signs, which that library does not. */
export const verifyBundle = (
  bundleJson: Buffer,
  expected: BundleExpectation,
  key: KeyObject,
  reference?: string,
): VerificationResult => {
  const no = (reason: Parameters<typeof rejected>[1], message: string): VerificationResult =>
    rejected(expected.format, reason, message, reference);
  let json: unknown;
  try {
    json = parseStrictJson(bundleJson.toString('utf8'));
  } catch (error) {
    return no('MALFORMED_BUNDLE', `not a Sigstore bundle: ${(error as Error).message}`);
  }
  // As strict as the Go verifiers users run (sigstore-go under cosign v3 and Kyverno, through go-securesystemslib's
  // DSSE verifier), which @sigstore/verify is not: a bundle only it accepts is one that fails in users' clusters.
  const shape = bundleShapeProblem(json, key);
  if (shape !== undefined) {
    return no(shape.kind === 'key-id' ? 'SIGNATURE_INVALID' : 'MALFORMED_BUNDLE', shape.message);
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    return no('MALFORMED_BUNDLE', `not a Sigstore bundle: ${(error as Error).message}`);
  }
  if (bundle.mediaType !== BUNDLE_V03_MEDIA_TYPE)
    return no('MALFORMED_BUNDLE', `bundle media type ${bundle.mediaType}`);
  if (!isBundleWithDsseEnvelope(bundle)) return no('MALFORMED_BUNDLE', 'the bundle holds no DSSE envelope');
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return no('MALFORMED_BUNDLE', `DSSE payload type ${envelope.payloadType} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  try {
    new Verifier(publicKeyTrustMaterial(key), VERIFIER_OPTIONS).verify(toSignedEntity(bundle));
  } catch (error) {
    return no(
      'SIGNATURE_INVALID',
      `bundle does not verify with the trusted key: ${(error as Error).message}`,
    );
  }
  const statement = checkStatement(envelope.payload, expected.digest, expected.predicateType);
  if (!statement.ok) return no(statement.reason, statement.message);
  return accepted(
    expected.format,
    `DSSE bundle (${expected.predicateType}) signed by the trusted key`,
    reference,
  );
};
