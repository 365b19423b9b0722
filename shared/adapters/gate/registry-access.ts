import { ECRClient } from '@aws-sdk/client-ecr';
import { EcrCredentials } from '../aws/ecr-auth';
import type { Credentials } from '../oci/credentials';
import { OciRegistryClient } from '../oci/oci-registry-client';
import type { RegistryClient } from '../../app/ports/registry-client';
import { DockerConfigCredentials } from './docker-config';
import { registryApiHost } from '../../core/gate/image-reference';

const ECR_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The AWS region of an ECR registry host, `undefined` for any other registry. */
export const ecrRegion = (host: string): string | undefined => ECR_HOST.exec(host)?.[1];

export interface RegistryAccessOptions {
  /** Where non-ECR credentials come from. @default ~/.docker/config.json (or $DOCKER_CONFIG) */
  readonly dockerConfig?: Credentials;
  /** @default an ECRClient for the host's region, with the caller's credentials (AWS_ENDPOINT_URL_ECR honoured) */
  readonly ecrClient?: (region: string) => ECRClient;
}

/**
 * How a gate reaches a registry: ECR hosts with a GetAuthorizationToken token for the host's region, any other
 * registry with the Docker config's `auths` entry or anonymously, loopback hosts over plain HTTP (the client's rule).
 */
export const registryClientFor = (registry: string, options: RegistryAccessOptions = {}): RegistryClient => {
  const host = registryApiHost(registry);
  return new OciRegistryClient({ host, credentials: registryCredentialsFor(host, options) });
};

/** The credentials source for one registry API host (see `registryClientFor`). */
export const registryCredentialsFor = (host: string, options: RegistryAccessOptions = {}): Credentials => {
  const region = ecrRegion(host);
  if (region === undefined) return options.dockerConfig ?? new DockerConfigCredentials();
  return new EcrCredentials(options.ecrClient?.(region) ?? new ECRClient({ region }));
};
