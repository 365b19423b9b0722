import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KMSInvalidSignatureException,
  KMSServiceException,
  NotFoundException,
  SignCommand,
  VerifyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { KmsSigner } from '../../../../shared/adapters/aws/kms';
import { startAwsStandIn } from '../../../../local/aws';
import { startFixture, type Fixture } from './fixture';

jest.setTimeout(30_000);

const publicKeyOf = async (kms: KMSClient, keyId: string): Promise<KeyObject> => {
  const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  return createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
};

describe('the AWS stand-in: KMS with real P-256 keys', () => {
  let fixture: Fixture;
  let keyId: string;
  let keyArn: string;

  beforeAll(async () => {
    fixture = await startFixture({ notifications: false });
    const { KeyMetadata } = await fixture.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'test key' }),
    );
    keyId = KeyMetadata!.KeyId!;
    keyArn = KeyMetadata!.Arn!;
    await fixture.kms.send(
      new CreateAliasCommand({ AliasName: 'alias/tollgate-signing', TargetKeyId: keyId }),
    );
  });
  afterAll(async () => fixture?.stop());

  it('creates keys that DescribeKey finds by id, ARN, alias and alias ARN', async () => {
    expect(keyArn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${keyId}`);
    for (const id of [
      keyId,
      keyArn,
      'alias/tollgate-signing',
      'arn:aws:kms:us-east-1:000000000000:alias/tollgate-signing',
    ]) {
      const { KeyMetadata } = await fixture.kms.send(new DescribeKeyCommand({ KeyId: id }));
      expect(KeyMetadata).toMatchObject({
        KeyId: keyId,
        Arn: keyArn,
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        KeyState: 'Enabled',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      });
      expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    }
    await expect(fixture.kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      fixture.kms.send(new CreateAliasCommand({ AliasName: 'alias/tollgate-signing', TargetKeyId: keyId })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
  });

  it('keeps each private key as a 0600 PEM in the state folder', () => {
    const dir = join(fixture.stateDir, 'aws', 'kms');
    const pem = readdirSync(dir).find((name) => name === `${keyId}.pem`);
    expect(pem).toBeDefined();
    expect(statSync(join(dir, pem!)).mode & 0o777).toBe(0o600);
  });

  it('returns the public key as DER SPKI with its spec and algorithms', async () => {
    const output = await fixture.kms.send(new GetPublicKeyCommand({ KeyId: 'alias/tollgate-signing' }));
    expect(output).toMatchObject({
      KeyId: keyArn,
      KeySpec: 'ECC_NIST_P256',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    const key = createPublicKey({ key: Buffer.from(output.PublicKey!), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('signs a DIGEST so that the signature verifies over the original message', async () => {
    const message = Buffer.from('the payload Tollgate signs, longer than nothing');
    const digest = createHash('sha256').update(message).digest();
    const output = await fixture.kms.send(
      new SignCommand({
        KeyId: keyArn,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(output).toMatchObject({ KeyId: keyArn, SigningAlgorithm: 'ECDSA_SHA_256' });
    const publicKey = await publicKeyOf(fixture.kms, keyArn);
    expect(verify('sha256', message, publicKey, Buffer.from(output.Signature!))).toBe(true);
    expect(verify('sha256', Buffer.from('another message'), publicKey, Buffer.from(output.Signature!))).toBe(
      false,
    );
  });

  it('signs a RAW message of up to 4096 bytes', async () => {
    const message = Buffer.alloc(4096, 7);
    const output = await fixture.kms.send(
      new SignCommand({
        KeyId: 'alias/tollgate-signing',
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(output.KeyId).toBe(keyArn);
    expect(
      verify('sha256', message, await publicKeyOf(fixture.kms, keyId), Buffer.from(output.Signature!)),
    ).toBe(true);
  });

  it.each([
    ['RAW over 4096 bytes', 'RAW', 4097],
    ['DIGEST of 31 bytes', 'DIGEST', 31],
    ['DIGEST of 64 bytes', 'DIGEST', 64],
  ] as const)('refuses a %s with ValidationException, as KMS does', async (_label, messageType, length) => {
    const error: unknown = await fixture.kms
      .send(
        new SignCommand({
          KeyId: keyId,
          Message: Buffer.alloc(length, 1),
          MessageType: messageType,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KMSServiceException);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as KMSServiceException).$metadata.httpStatusCode).toBe(400);
  });

  it('verifies its own signatures and refuses others', async () => {
    const digest = createHash('sha256').update('verify me').digest();
    const { Signature } = await fixture.kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    const valid = await fixture.kms.send(
      new VerifyCommand({
        KeyId: keyId,
        Message: digest,
        MessageType: 'DIGEST',
        Signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(valid.SignatureValid).toBe(true);
    await expect(
      fixture.kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: createHash('sha256').update('something else').digest(),
          MessageType: 'DIGEST',
          Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    ).rejects.toBeInstanceOf(KMSInvalidSignatureException);
  });

  it('serves the production KmsSigner unchanged', async () => {
    const signer = new KmsSigner(fixture.kms, 'alias/tollgate-signing');
    const data = Buffer.alloc(10_000, 3); // over RAW's limit: the signer hashes and sends DIGEST
    const signature = await signer.sign(data);
    expect(signature.key).toMatchObject({ $case: 'publicKey', hint: keyArn });
    const pem = (signature.key as { publicKey: string }).publicKey;
    expect(verify('sha256', data, createPublicKey(pem), signature.signature)).toBe(true);
    expect(fixture.standIn.calls()['kms:GetPublicKey']).toBeGreaterThanOrEqual(1);
    expect(fixture.standIn.calls()['kms:Sign']).toBeGreaterThanOrEqual(1);
  });

  it('keeps keys and aliases across restarts on the same state folder', async () => {
    const created = await fixture.standIn.kms.createSigningKey('restart-test');
    const pem = fixture.standIn.kms.publicKeyPem('alias/restart-test');
    const again = await startAwsStandIn({
      stateDir: join(fixture.stateDir, 'aws'),
      registry: { url: fixture.registry.url },
      log: () => undefined,
    });
    try {
      expect(await again.kms.createSigningKey('alias/restart-test')).toEqual(created);
      expect(again.kms.publicKeyPem(created.arn)).toBe(pem);
    } finally {
      await again.stop();
    }
  });
});
