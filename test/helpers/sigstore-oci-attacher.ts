import { attachArtifactToImage, OCIError, type Credentials as OciCredentials } from '@sigstore/oci';
import { isDigest, RetryableError, TerminalError, type Digest } from '../../shared/core/domain';
import type { Credentials } from '../../shared/adapters/oci/credentials';
import type { RegistryClient } from '../../shared/app/ports/registry-client';
import type { ReferrerArtifact, ReferrerAttacher } from '../../shared/app/signing/referrer-attacher';

/**
 * Attaches referrers with @sigstore/oci, which also maintains the tag-schema index on registries without the
 * referrers API (Distribution 2.x, and ECR before OCI 1.1 support).
 */
export class SigstoreOciAttacher implements ReferrerAttacher {
  public constructor(
    private readonly registry: RegistryClient,
    private readonly credentials: Credentials,
  ) {}

  public async attach(request: ReferrerArtifact): Promise<Digest> {
    const credentials = await this.credentialsIfNeeded();
    let digest: string;
    try {
      const descriptor = await attachArtifactToImage({
        imageName: `${this.registry.host}/${request.repository}`,
        imageDigest: request.subject,
        artifact: request.artifact,
        mediaType: request.mediaType,
        annotations: { ...request.annotations },
        // @sigstore/oci signs in only when handed credentials, and its sign-in takes nothing but a 200 answer to
        // its upload probe as "no auth needed"; anonymous registries answer 202, which it then fails to parse as
        // a challenge. So it gets credentials only when the registry asks for them, and none otherwise.
        credentials: credentials as OciCredentials,
      });
      digest = descriptor.digest;
    } catch (error) {
      throw attachError(error, `${this.registry.host}/${request.repository}@${request.subject}`);
    }
    if (!isDigest(digest))
      throw new TerminalError('REGISTRY_INTEGRITY', `referrer pushed with digest ${digest}`);
    return digest;
  }

  private async credentialsIfNeeded(): Promise<OciCredentials | undefined> {
    if (!(await this.registry.requiresAuth())) return undefined;
    const credentials = await this.credentials.forRegistry(this.registry.host);
    if (credentials === undefined) {
      throw new TerminalError(
        'REGISTRY_UNREACHABLE',
        `${this.registry.host} requires authentication and no credentials are configured`,
      );
    }
    return credentials;
  }
}

const attachError = (error: unknown, target: string): Error => {
  const cause = error instanceof OCIError ? (error.cause as unknown) : error;
  const status = (cause as { statusCode?: unknown } | undefined)?.statusCode;
  const message = `attaching a referrer to ${target} failed: ${(cause as Error | undefined)?.message ?? String(cause)}`;
  if (typeof status === 'number' && status < 500 && status !== 429 && status !== 408) {
    return new TerminalError(
      status === 409 || status === 412 ? 'CONFLICT' : 'REGISTRY_UNREACHABLE',
      message,
      { cause: error },
    );
  }
  return new RetryableError(
    typeof status === 'number' ? 'DEPENDENCY_UNAVAILABLE' : 'REGISTRY_UNREACHABLE',
    message,
    {
      cause: error,
    },
  );
};
