import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrCredentials } from '../../../shared/aws/ecr-auth';

const HOST = '123456789012.dkr.ecr.us-west-2.amazonaws.com';

describe('EcrCredentials', () => {
  const setup = (expiresAt: number) => {
    const client = new ECRClient({ region: 'us-west-2' });
    const mock = mockClient(client);
    let n = 0;
    mock.on(GetAuthorizationTokenCommand).callsFake(() => ({
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:token-${(n += 1)}`).toString('base64'),
          expiresAt: new Date(expiresAt),
        },
      ],
    }));
    return { client, mock };
  };

  it('decodes AWS:<token> and caches it until 5 minutes before expiry', async () => {
    let now = 0;
    const { client, mock } = setup(60 * 60 * 1000);
    const credentials = new EcrCredentials(client, () => now);
    expect(await credentials.forRegistry(HOST)).toEqual({ username: 'AWS', password: 'token-1' });
    now = 54 * 60 * 1000;
    expect(await credentials.forRegistry(HOST)).toEqual({ username: 'AWS', password: 'token-1' });
    now = 56 * 60 * 1000;
    expect(await credentials.forRegistry(HOST)).toEqual({ username: 'AWS', password: 'token-2' });
    expect(mock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(2);
  });

  it('never hands an ECR token to another registry', async () => {
    const { client, mock } = setup(Date.now() + 3_600_000);
    const credentials = new EcrCredentials(client);
    expect(await credentials.forRegistry('ghcr.io')).toBeUndefined();
    expect(await credentials.forRegistry('127.0.0.1:5000')).toBeUndefined();
    expect(mock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0);
  });
});
