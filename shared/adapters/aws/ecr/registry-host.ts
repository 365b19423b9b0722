import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { DependencyUnavailableError } from '../../../core/domain/errors';

/**
 * The host images are really served at, which goes into every signature payload. Read from the
 * `proxyEndpoint` ECR itself reports, so the same code names `<account>.dkr.ecr.<region>.amazonaws.com`
 * in AWS and whatever registry an ECR-compatible endpoint fronts elsewhere. Cached per container.
 */
export class EcrRegistryHost {
  private cached: Promise<string> | undefined;

  public constructor(private readonly client: ECRClient) {}

  public host(): Promise<string> {
    this.cached ??= this.read().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private async read(): Promise<string> {
    const { authorizationData } = await this.client.send(new GetAuthorizationTokenCommand({}));
    const endpoint = authorizationData?.[0]?.proxyEndpoint;
    if (endpoint === undefined)
      throw new DependencyUnavailableError('ECR GetAuthorizationToken returned no proxyEndpoint');
    return new URL(endpoint).host;
  }
}
