import { GetAuthorizationTokenCommand, ECRClient } from '@aws-sdk/client-ecr';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { mockClient } from 'aws-sdk-client-mock';
import { SIGN_ENV, signAdapters } from '../../../../functions/sign/deps';
import { ConfigValidationError, RetryableError, TerminalError } from '../../../../shared/core/domain';
import { CONFIG_ENV, resetSettingsCache } from '../../../../shared/adapters/runtime';

const ECR_HOST = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
const ecr = mockClient(ECRClient);
const tracer = new Tracer({ enabled: false });
const saved = { ...process.env };

const token = {
  authorizationData: [
    {
      proxyEndpoint: `https://${ECR_HOST}`,
      authorizationToken: Buffer.from('AWS:secret').toString('base64'),
      expiresAt: new Date(Date.now() + 12 * 3600_000),
    },
  ],
};

beforeEach(() => {
  ecr.reset();
  resetSettingsCache();
  process.env = {
    ...saved,
    AWS_REGION: 'us-west-2',
    [CONFIG_ENV]: JSON.stringify({
      repositories: ['payments/*'],
      signatures: { formats: ['cosign-legacy'] },
    }),
    [SIGN_ENV.table]: 'tollgate-verdicts',
    [SIGN_ENV.bus]: 'tollgate',
    [SIGN_ENV.signingKey]: 'arn:aws:kms:us-west-2:123456789012:key/k',
  };
});

afterAll(() => {
  process.env = saved;
  resetSettingsCache();
});

describe('signAdapters', () => {
  it('takes the formats from the config and the registry host from ECR, once per container', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves(token);

    const deps = await signAdapters(tracer);
    const first = await deps.signing();
    const second = await deps.signing();

    expect(deps.formats).toEqual(['cosign-legacy']);
    expect(first.registry.host).toBe(ECR_HOST);
    expect(second).toBe(first);
    expect(first.publicKey).toBe(first.signer);
    expect(ecr).toHaveReceivedCommandTimes(GetAuthorizationTokenCommand, 1);
  });

  it('a throttled ECR is retryable, and the next invocation asks again', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves(token);
    const deps = await signAdapters(tracer);

    await expect(deps.signing()).rejects.toBeInstanceOf(RetryableError);
    await expect(deps.signing()).resolves.toMatchObject({ registry: { host: ECR_HOST } });
  });

  it('a denied GetAuthorizationToken is terminal', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect((await signAdapters(tracer)).signing()).rejects.toBeInstanceOf(TerminalError);
  });

  it('a missing signing key variable fails loudly', async () => {
    delete process.env[SIGN_ENV.signingKey];

    await expect(signAdapters(tracer)).rejects.toThrow(ConfigValidationError);
  });
});
