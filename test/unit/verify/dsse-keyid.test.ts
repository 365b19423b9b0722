import { generateKeyPairSync, sign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import type { Signer } from '@sigstore/sign';
import { DSSEBundleBuilder } from '@sigstore/sign/dist/bundler/dsse';
import type { Digest } from '../../../shared/domain';
import {
  IN_TOTO_PAYLOAD_TYPE,
  inTotoStatement,
  statementBytes,
} from '../../../shared/signing/payload/statement';
import { sha256KeyId, verifyBundle, type BundleExpectation } from '../../../shared/verify/bundle';

/**
 * The rules of the Go verifiers users run (go-securesystemslib's DSSE verifier under sigstore-go, cosign v3 and
 * Kyverno): a non-empty `keyid` must be the key's SHA256KeyID, and an envelope carries exactly one signature.
 * @sigstore/verify checks neither, so these are Tollgate's own checks.
 */
const DIGEST = `sha256:${'c'.repeat(64)}` as Digest;
const PREDICATE = 'https://cosign.sigstore.dev/attestation/v1';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const expected: BundleExpectation = { digest: DIGEST, predicateType: PREDICATE, format: 'sigstore-bundle' };

const signer = (hint: string): Signer => ({
  sign: (data: Buffer) =>
    Promise.resolve({
      signature: sign('sha256', data, privateKey),
      key: {
        $case: 'publicKey',
        publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        hint,
      },
    }),
});

interface EnvelopeJson {
  dsseEnvelope: { signatures: { keyid: string; sig: string }[] };
}

const bundleJson = async (hint: string, edit: (json: EnvelopeJson) => void = () => {}) => {
  const statement = inTotoStatement('r.example/team/app', DIGEST, PREDICATE, {});
  const bundle = await new DSSEBundleBuilder({ signer: signer(hint), witnesses: [] }).create({
    data: statementBytes(statement),
    type: IN_TOTO_PAYLOAD_TYPE,
  });
  const json = bundleToJSON(bundle) as unknown as EnvelopeJson;
  edit(json);
  return Buffer.from(JSON.stringify(json));
};

describe('DSSE key ID and signature count, as the Go verifiers check them', () => {
  it('refuses a bundle whose keyid is the KMS key ARN, as Tollgate wrote them before: Go verifiers find 0 signatures', async () => {
    const bundle = await bundleJson(
      'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(verifyBundle(bundle, expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'SIGNATURE_INVALID',
      message: expect.stringMatching(/keyid/) as string,
    });
  });

  it('accepts an empty keyid, and the key’s own SHA256KeyID', async () => {
    const empty = await bundleJson('');
    expect(verifyBundle(empty, expected, publicKey).valid).toBe(true);
    const own = await bundleJson('', (json) => {
      json.dsseEnvelope.signatures[0]!.keyid = sha256KeyId(publicKey);
    });
    expect(verifyBundle(own, expected, publicKey).valid).toBe(true);
  });

  it('refuses an envelope with two signatures, even when both are genuine', async () => {
    const doubled = await bundleJson('', (json) => {
      json.dsseEnvelope.signatures.push({ ...json.dsseEnvelope.signatures[0]! });
    });
    expect(verifyBundle(doubled, expected, publicKey)).toMatchObject({
      valid: false,
      // bundleFromJSON already refuses it as a malformed bundle; either way, never accepted.
      reason: 'MALFORMED_BUNDLE',
    });
  });
});
