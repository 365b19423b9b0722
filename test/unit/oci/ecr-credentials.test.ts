import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrCredentials } from '../../../shared/adapters/aws/ecr-auth';

const HOST = '123456789012.dkr.ecr.us-west-2.amazonaws.com';

describe('EcrCredentials', () => {
  const setup = (expiresAt: number, proxyEndpoint = `https://${HOST}`, pair = 'AWS:token') => {
    const client = new ECRClient({ region: 'us-west-2' });
    const mock = mockClient(client);
    let n = 0;
    mock.on(GetAuthorizationTokenCommand).callsFake(() => ({
      authorizationData: [
        {
          authorizationToken: Buffer.from(`${pair}-${(n += 1)}`).toString('base64'),
          expiresAt: new Date(expiresAt),
          proxyEndpoint,
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
    expect(await credentials.forRegistry(`${HOST}.evil.example`)).toBeUndefined();
    // Learning the proxy endpoint took the token once; it is cached like any other.
    expect(mock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
  });

  it('hands the token to the host of the proxyEndpoint GetAuthorizationToken names (a basic-auth registry fronted as ECR)', async () => {
    const { client, mock } = setup(Date.now() + 3_600_000, 'http://127.0.0.1:5000', 'user:p@ss:word');
    const credentials = new EcrCredentials(client);
    // Basic auth passwords may contain colons: only the first one separates the user.
    expect(await credentials.forRegistry('127.0.0.1:5000')).toEqual({
      username: 'user',
      password: 'p@ss:word-1',
    });
    expect(await credentials.forRegistry('127.0.0.1:5001')).toBeUndefined();
    expect(await credentials.forRegistry('localhost:5000')).toBeUndefined();
    expect(mock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
  });

  it('an https proxyEndpoint on the default port is the bare host', async () => {
    const { client } = setup(Date.now() + 3_600_000, 'https://registry.example.com:443');
    const credentials = new EcrCredentials(client);
    expect(await credentials.forRegistry('registry.example.com')).toEqual({
      username: 'AWS',
      password: 'token-1',
    });
  });

  it('without a proxyEndpoint, only ECR hosts get the token', async () => {
    const client = new ECRClient({ region: 'us-west-2' });
    mockClient(client)
      .on(GetAuthorizationTokenCommand)
      .resolves({
        authorizationData: [
          {
            authorizationToken: Buffer.from('AWS:t').toString('base64'),
            expiresAt: new Date(Date.now() + 3_600_000),
          },
        ],
      });
    const credentials = new EcrCredentials(client);
    expect(await credentials.forRegistry('127.0.0.1:5000')).toBeUndefined();
    expect(await credentials.forRegistry(HOST)).toEqual({ username: 'AWS', password: 't' });
  });
});
