import { generateKeyPairSync, sign } from 'node:crypto';
import type { Digest } from '../../../shared/core/domain';
import { simpleSigningPayload } from '../../../shared/app/signing';
import { checkStatement, parseStrictJson, verifyLegacySignature } from '../../../shared/app/verify';

const DIGEST = `sha256:${'b'.repeat(64)}` as Digest;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const layer = (payload: Buffer) => ({
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  payload,
  annotations: {
    'dev.cosignproject.cosign/signature': sign('sha256', payload, privateKey).toString('base64'),
  },
});
const expected = { digest: DIGEST, identity: 'r.example/team/app' };
const critical = (extra: string) =>
  Buffer.from(
    `{"critical":{"identity":{"docker-reference":"r.example/team/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"${extra}},"optional":null}`,
  );

describe('strict payload checks', () => {
  it('accepts our own payload', () => {
    expect(
      verifyLegacySignature(layer(simpleSigningPayload('r.example/team/app', DIGEST)), expected, publicKey)
        .valid,
    ).toBe(true);
  });

  it('accepts a docker-reference with a tag: only the repository is matched', () => {
    expect(
      verifyLegacySignature(layer(simpleSigningPayload('r.example/team/app:v1', DIGEST)), expected, publicKey)
        .valid,
    ).toBe(true);
  });

  it('rejects an unknown critical field even when correctly signed', () => {
    expect(verifyLegacySignature(layer(critical(',"extra":1')), expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'MALFORMED_PAYLOAD',
    });
  });

  it('rejects duplicate keys even when correctly signed', () => {
    expect(verifyLegacySignature(layer(critical(',"type":"x"')), expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'MALFORMED_PAYLOAD',
    });
    expect(() => parseStrictJson('{"a":1,"a":2}')).toThrow(/duplicate key/);
    expect(parseStrictJson('{"a":[1,{"b":"\\u0041"}],"c":null}')).toEqual({ a: [1, { b: 'A' }], c: null });
  });

  it('rejects a missing optional and a non-integer timestamp', () => {
    const noOptional = Buffer.from(critical('').toString().replace(',"optional":null', ''));
    expect(verifyLegacySignature(layer(noOptional), expected, publicKey)).toMatchObject({
      reason: 'MALFORMED_PAYLOAD',
    });
    const badTimestamp = Buffer.from(
      critical('').toString().replace('"optional":null', '"optional":{"timestamp":1.5}'),
    );
    expect(verifyLegacySignature(layer(badTimestamp), expected, publicKey)).toMatchObject({
      reason: 'MALFORMED_PAYLOAD',
    });
  });

  it('checks the statement subject and predicate type', () => {
    const statement = (value: object) => Buffer.from(JSON.stringify(value));
    const good = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'x', digest: { sha256: 'b'.repeat(64) } }],
      predicateType: 'p',
      predicate: {},
    };
    expect(checkStatement(statement(good), DIGEST, 'p')).toMatchObject({ ok: true });
    expect(checkStatement(statement(good), DIGEST, 'q')).toMatchObject({
      ok: false,
      reason: 'PREDICATE_TYPE',
    });
    expect(
      checkStatement(statement({ ...good, subject: [{ digest: { sha256: 'c'.repeat(64) } }] }), DIGEST, 'p'),
    ).toMatchObject({
      reason: 'SUBJECT_MISMATCH',
    });
  });
});
