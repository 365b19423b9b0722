import { createHash, createPublicKey, verify } from 'node:crypto';
import { GetPublicKeyCommand, KMSServiceException, SignCommand } from '@aws-sdk/client-kms';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import { RetryableError, TerminalError } from '../../../shared/core/domain';
import { localKms, TEST_KEY_ARN } from '../../doubles';

const sdkError = (name: string, status: number): KMSServiceException =>
  new KMSServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });

describe('KmsSigner', () => {
  it('hashes locally, sends DIGEST to the resolved key ARN and returns a DER signature over the data', async () => {
    const kms = localKms();
    const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
    const data = Buffer.alloc(10_000, 7); // beyond KMS's 4096-byte RAW limit

    const signature = await signer.sign(data);

    const call = kms.mock.commandCalls(SignCommand)[0]!.args[0].input;
    expect(call).toMatchObject({
      KeyId: TEST_KEY_ARN,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(Buffer.from(call.Message!)).toEqual(createHash('sha256').update(data).digest());
    expect(verify('sha256', data, createPublicKey(kms.publicKeyPem), signature.signature)).toBe(true);
    expect(signature.key).toEqual({ $case: 'publicKey', publicKey: kms.publicKeyPem, hint: TEST_KEY_ARN });
  });

  it('asks KMS for the public key once', async () => {
    const kms = localKms();
    const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
    await Promise.all([signer.sign(Buffer.from('a')), signer.sign(Buffer.from('b')), signer.publicKey()]);
    expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(kms.mock.commandCalls(GetPublicKeyCommand)[0]!.args[0].input).toEqual({
      KeyId: 'alias/tollgate-signing',
    });
  });

  it('refuses a key that is not ECC_NIST_P256', async () => {
    const kms = localKms();
    kms.mock.on(GetPublicKeyCommand).resolves({
      KeyId: TEST_KEY_ARN,
      KeySpec: 'RSA_2048',
      SigningAlgorithms: ['RSASSA_PSS_SHA_256'],
      PublicKey: new Uint8Array(1),
    });
    await expect(new KmsSigner(kms.client, 'alias/x').sign(Buffer.from('x'))).rejects.toMatchObject({
      code: 'SIGNING_FAILED',
      retryable: false,
    });
  });

  it.each([
    ['ThrottlingException', 400, RetryableError],
    ['KMSInternalException', 500, RetryableError],
    ['AccessDeniedException', 400, TerminalError],
    ['NotFoundException', 400, TerminalError],
    ['DisabledException', 400, TerminalError],
  ])('maps %s to %p, keeping the cause', async (name, status, kind) => {
    const kms = localKms();
    const error = sdkError(name, status);
    kms.mock.on(SignCommand).rejects(error);
    const failure = await new KmsSigner(kms.client, 'alias/x')
      .sign(Buffer.from('x'))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(kind);
    expect((failure as Error).cause).toBe(error);
    if (kind === TerminalError) expect(failure).toMatchObject({ code: 'SIGNING_FAILED' });
  });

  it('does not cache a failed public-key fetch', async () => {
    const kms = localKms();
    kms.mock
      .on(GetPublicKeyCommand)
      .rejectsOnce(sdkError('KMSInternalException', 500))
      .callsFake(() => ({}));
    const signer = new KmsSigner(kms.client, 'alias/x');
    await expect(signer.publicKey()).rejects.toBeInstanceOf(RetryableError);
    await expect(signer.publicKey()).rejects.toMatchObject({ code: 'SIGNING_FAILED' });
    expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });
});
