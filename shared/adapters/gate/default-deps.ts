import { DockerConfigCredentials } from './docker-config';
import { publicKeyFor } from './key-sources';
import { registryClientFor } from './registry-access';
import type { GateDeps } from '../../app/gate/verify-image';

/**
 * The real adapters, for the CLI and for a CodePipeline or Lambda gate: registries reached as `registryClientFor`
 * describes, keys from PEM files or KMS with the caller's AWS credentials. One client per registry host, so an
 * ECR token or a bearer token is fetched once per run.
 */
export const defaultGateDeps = (): GateDeps => {
  const dockerConfig = new DockerConfigCredentials();
  const clients = new Map<string, ReturnType<typeof registryClientFor>>();
  return {
    registry: (registry) => {
      let client = clients.get(registry);
      if (client === undefined) {
        client = registryClientFor(registry, { dockerConfig });
        clients.set(registry, client);
      }
      return client;
    },
    publicKey: publicKeyFor,
  };
};
