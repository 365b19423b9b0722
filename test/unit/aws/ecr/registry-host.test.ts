import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrRegistryHost } from '../../../../shared/adapters/aws/ecr';

const ecr = mockClient(ECRClient);

beforeEach(() => ecr.reset());

describe('EcrRegistryHost', () => {
  it('is the host of the proxyEndpoint ECR reports, read once per container', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ proxyEndpoint: 'https://123456789012.dkr.ecr.us-west-2.amazonaws.com' }],
    });
    const host = new EcrRegistryHost(new ECRClient({}));
    await expect(host.host()).resolves.toBe('123456789012.dkr.ecr.us-west-2.amazonaws.com');
    await host.host();
    expect(ecr).toHaveReceivedCommandTimes(GetAuthorizationTokenCommand, 1);
  });

  it('keeps the port of an ECR-compatible endpoint (the local stack)', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [{ proxyEndpoint: 'http://127.0.0.1:5123' }] });
    await expect(new EcrRegistryHost(new ECRClient({})).host()).resolves.toBe('127.0.0.1:5123');
  });

  it('fails without a proxyEndpoint, and asks again next time', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .resolvesOnce({ authorizationData: [] })
      .resolves({ authorizationData: [{ proxyEndpoint: 'https://h.example' }] });
    const host = new EcrRegistryHost(new ECRClient({}));
    await expect(host.host()).rejects.toThrow(/proxyEndpoint/);
    await expect(host.host()).resolves.toBe('h.example');
  });
});
