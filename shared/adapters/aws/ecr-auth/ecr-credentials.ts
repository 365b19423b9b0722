import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { TerminalError } from '../../../core/domain';
import { classifySdkError } from '../sdk-error';
import type { Credentials, RegistryCredentials } from '../../oci/credentials';

const ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
// Refresh well before expiry so a token never runs out in the middle of a multi-request signing.
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

interface CachedToken {
  readonly credentials: RegistryCredentials;
  readonly expiresAt: number;
  /** The host of the token's `proxyEndpoint`: the registry ECR itself says the token is for. */
  readonly proxyHost?: string;
}

/**
 * ECR registry credentials from GetAuthorizationToken (`AWS:<token>`), cached until 5 minutes before expiry.
 * The token goes to ECR hosts and to the host of the `proxyEndpoint` GetAuthorizationToken names with it:
 * that is where ECR says the images are, also when an ECR-compatible endpoint fronts another registry
 * (a basic-auth registry behind `tollgate local --registry http://user:password@host:port`).
 */
export class EcrCredentials implements Credentials {
  #cached: Promise<CachedToken> | undefined;

  public constructor(
    private readonly client: ECRClient,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `undefined` for any other host: the token is never sent anywhere else. Learning the proxy endpoint
   * takes the token itself, so a host that is not ECR-shaped costs one (cached) GetAuthorizationToken.
   * Gates only build EcrCredentials for ECR hosts (shared/adapters/gate/registry-access), so they never pay it.
   */
  public async forRegistry(host: string): Promise<RegistryCredentials | undefined> {
    const token = await this.token();
    return ECR_HOST.test(host) || token.proxyHost === host ? token.credentials : undefined;
  }

  private async token(): Promise<CachedToken> {
    const current = this.#cached;
    if (current !== undefined) {
      const token = await current.catch(() => undefined);
      if (token !== undefined && this.now() < token.expiresAt - REFRESH_MARGIN_MS) return token;
      if (this.#cached !== current) return this.token();
    }
    const next = this.fetchToken();
    this.#cached = next;
    next.catch(() => {
      if (this.#cached === next) this.#cached = undefined;
    });
    return next;
  }

  private async fetchToken(): Promise<CachedToken> {
    let output;
    try {
      output = await this.client.send(new GetAuthorizationTokenCommand({}));
    } catch (error) {
      throw classifySdkError(
        error,
        `ECR GetAuthorizationToken failed: ${(error as Error).message}`,
        'REGISTRY_UNREACHABLE',
      );
    }
    const data = output.authorizationData?.[0];
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (data?.expiresAt === undefined || separator <= 0) {
      throw new TerminalError('REGISTRY_UNREACHABLE', 'ECR GetAuthorizationToken returned no usable token');
    }
    const proxyHost = hostOf(data.proxyEndpoint);
    return {
      credentials: { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) },
      expiresAt: data.expiresAt.getTime(),
      ...(proxyHost === undefined ? {} : { proxyHost }),
    };
  }
}

/** `host[:port]` of a proxy endpoint URL, as image references and OciRegistryClient name it. */
const hostOf = (endpoint: string | undefined): string | undefined => {
  if (endpoint === undefined) return undefined;
  try {
    return new URL(endpoint).host;
  } catch {
    return undefined;
  }
};
