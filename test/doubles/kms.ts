import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/nist.js';
import type { Signer } from '@sigstore/sign';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export interface LocalKms {
  readonly client: KMSClient;
  readonly mock: AwsClientStub<KMSClient>;
  readonly keyArn: string;
  readonly publicKeyPem: string;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  /**
   * A sigstore Signer with the same key and no KMS client in between: what KmsSigner produces, for tests of what
   * is built around a signature (bundles, envelopes) rather than of the KMS calls. `hint` defaults to the key ARN.
   */
  readonly signer: (hint?: string) => Signer;
}

export interface LocalKmsOptions {
  /**
   * Answer for every KMSClient, also those code under test builds itself (a handler's own client), instead of
   * `client` alone. The caller restores it (`mock.restore()`), or it stays on for the rest of the file.
   */
  readonly everyClient?: boolean;
}

/**
 * An ASN.1 DER ECDSA signature over a SHA-256 `digest`, as KMS returns for `MessageType: DIGEST`. node:crypto
 * always hashes what it signs, so the already-hashed message is signed with @noble/curves instead.
 */
export const signDigestP256 = (privateKey: KeyObject, digest: Uint8Array): Buffer => {
  const secret = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return Buffer.from(p256.sign(digest, secret, { prehash: false, format: 'der' }));
};

export const TEST_KEY_ARN = 'arn:aws:kms:us-west-2:123456789012:key/0f0e0d0c-0b0a-4000-8000-000000000001';

/**
 * KMS with a local P-256 key, behind aws-sdk-client-mock: GetPublicKey answers as for an ECC_NIST_P256 signing
 * key, and Sign signs for real. Sign insists on what Tollgate must send (DIGEST, 32 bytes, the key ARN), so a
 * regression to RAW messages or to signing by alias fails the tests instead of passing silently.
 */
export const localKms = (keyArn = TEST_KEY_ARN, options: LocalKmsOptions = {}): LocalKms => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = new KMSClient({
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = options.everyClient === true ? mockClient(KMSClient) : mockClient(client);
  mock.on(GetPublicKeyCommand).resolves({
    KeyId: keyArn,
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
    PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
  });
  mock.on(SignCommand).callsFake((input: { MessageType?: string; Message?: Uint8Array; KeyId?: string }) => {
    if (input.MessageType !== 'DIGEST')
      throw new Error(`expected MessageType DIGEST, got ${input.MessageType}`);
    if (input.Message?.length !== 32)
      throw new Error(`expected a 32-byte digest, got ${input.Message?.length} bytes`);
    if (input.KeyId !== keyArn) throw new Error(`expected KeyId ${keyArn}, got ${input.KeyId}`);
    return {
      KeyId: keyArn,
      SigningAlgorithm: 'ECDSA_SHA_256',
      Signature: new Uint8Array(signDigestP256(privateKey, Buffer.from(input.Message))),
    };
  });
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return {
    client,
    mock,
    keyArn,
    publicKeyPem,
    publicKey,
    privateKey,
    signer: (hint = keyArn) => ({
      sign: (data: Buffer) =>
        Promise.resolve({
          signature: signDigestP256(privateKey, createHash('sha256').update(data).digest()),
          key: { $case: 'publicKey', publicKey: publicKeyPem, hint },
        }),
    }),
  };
};
