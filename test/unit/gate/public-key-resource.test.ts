import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { sendCustomResourceResponse } from '../../../functions/public-key/cfn-response';
import { handler } from '../../../functions/public-key/handler';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import { publicKeyResource } from '../../../shared/adapters/gate';
import { localKms, TEST_KEY_ARN, type LocalKms } from '../../doubles';

const REQUEST = {
  ServiceToken: 'arn:aws:lambda:us-west-2:123456789012:function:reader',
  ResponseURL:
    'https://cloudformation-custom-resource-response.s3.amazonaws.com/presigned?X-Amz-Signature=abc',
  StackId: 'arn:aws:cloudformation:us-west-2:123456789012:stack/Tollgate/1',
  RequestId: 'request-1',
  LogicalResourceId: 'PublicKey',
  ResourceType: 'Custom::TollgatePublicKey',
};

describe('public key custom resource', () => {
  const kms = localKms();
  const source = (keyId: string) => new KmsSigner(kms.client, keyId);

  it.each(['Create', 'Update'] as const)(
    '%s: returns the SPKI PEM of the key, named by its ARN',
    async (RequestType) => {
      kms.mock.resetHistory();
      const response = await publicKeyResource(
        { RequestType, ResourceProperties: { KeyId: TEST_KEY_ARN } },
        source,
      );
      expect(response).toEqual({
        PhysicalResourceId: TEST_KEY_ARN,
        Data: { Pem: kms.publicKeyPem, KeyArn: TEST_KEY_ARN },
      });
      // PEM as verifiers parse it: the same key, wrapped at 64 columns.
      expect(createPublicKey(response.Data!.Pem).export({ format: 'jwk' })).toEqual(
        createPublicKey(kms.publicKeyPem).export({ format: 'jwk' }),
      );
      expect(response.Data!.Pem.split('\n').every((line) => line.length <= 64)).toBe(true);
      expect(kms.mock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: TEST_KEY_ARN });
    },
  );

  it('does nothing on Delete: the parameter is a CloudFormation resource and the key is retained', async () => {
    kms.mock.resetHistory();
    await expect(
      publicKeyResource(
        { RequestType: 'Delete', PhysicalResourceId: TEST_KEY_ARN, ResourceProperties: {} },
        source,
      ),
    ).resolves.toEqual({ PhysicalResourceId: TEST_KEY_ARN });
    expect(kms.mock).not.toHaveReceivedCommand(GetPublicKeyCommand);
  });

  it('fails when the key is missing or not a signing key', async () => {
    await expect(
      publicKeyResource({ RequestType: 'Create', ResourceProperties: {} }, source),
    ).rejects.toThrow(/KeyId/);
    kms.mock.on(GetPublicKeyCommand).resolvesOnce({ KeyId: TEST_KEY_ARN, KeySpec: 'SYMMETRIC_DEFAULT' });
    await expect(
      publicKeyResource({ RequestType: 'Create', ResourceProperties: { KeyId: 'alias/x' } }, source),
    ).rejects.toThrow(/SYMMETRIC_DEFAULT/);
  });
});

describe('public key handler', () => {
  const context = { logStreamName: '2030/01/01/[$LATEST]abc' } as Context;
  // The handler builds its own KMSClient: the fake KMS answers for every client.
  let kms: LocalKms;
  let puts: { url: string; init: RequestInit }[];
  const realFetch = globalThis.fetch;

  beforeEach(() => {
    kms = localKms(TEST_KEY_ARN, { everyClient: true });
    puts = [];
    globalThis.fetch = ((url: string, init: RequestInit) => {
      puts.push({ url, init });
      return Promise.resolve(new Response(null, { status: 200 }));
    }) as typeof fetch;
  });
  afterEach(() => {
    kms.mock.restore();
    globalThis.fetch = realFetch;
  });

  const answer = () => JSON.parse(puts[0]!.init.body as string) as Record<string, unknown>;

  it('answers CloudFormation with the PEM on the pre-signed URL, with no content type', async () => {
    const event: CloudFormationCustomResourceEvent = {
      ...REQUEST,
      RequestType: 'Create',
      ResourceProperties: { ServiceToken: REQUEST.ServiceToken, KeyId: 'alias/tollgate-signing' },
    };
    await handler(event, context);
    expect(kms.mock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: 'alias/tollgate-signing' });
    expect(puts).toHaveLength(1);
    expect(puts[0]!.url).toBe(REQUEST.ResponseURL);
    expect(puts[0]!.init).toMatchObject({ method: 'PUT', headers: { 'content-type': '' } });
    expect(answer()).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: TEST_KEY_ARN,
      StackId: REQUEST.StackId,
      RequestId: REQUEST.RequestId,
      LogicalResourceId: REQUEST.LogicalResourceId,
      Data: { Pem: kms.publicKeyPem, KeyArn: TEST_KEY_ARN },
    });
  });

  it('answers FAILED with the reason instead of leaving the stack waiting', async () => {
    kms.mock
      .on(GetPublicKeyCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await handler(
      {
        ...REQUEST,
        RequestType: 'Update',
        PhysicalResourceId: TEST_KEY_ARN,
        ResourceProperties: { ServiceToken: REQUEST.ServiceToken, KeyId: TEST_KEY_ARN },
        OldResourceProperties: { ServiceToken: REQUEST.ServiceToken },
      },
      context,
    );
    expect(answer()).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: TEST_KEY_ARN,
      Reason: expect.stringMatching(/AccessDeniedException: denied \(log stream .*abc\)$/) as unknown,
    });
  });

  it('throws when CloudFormation refuses the answer, so that Lambda retries it', async () => {
    const refused = () => Promise.resolve(new Response(null, { status: 403 }));
    await expect(
      sendCustomResourceResponse(
        { ...REQUEST, RequestType: 'Delete', PhysicalResourceId: 'x', ResourceProperties: REQUEST },
        { status: 'SUCCESS', physicalResourceId: 'x' },
        refused,
      ),
    ).rejects.toThrow(/refused: HTTP 403/);
  });
});
