import type { RegistryCredentials } from '../../../shared/adapters/oci';
import type { JsonRpcService } from '../service';
import { authOperations } from './auth';
import type { EcrDeps } from './deps';
import { imageOperations } from './images';
import type { PushObserver } from './push-observer';
import { repositoryOperations } from './repositories';
import { scanningOperations } from './scanning';

/** ECR's control plane, answered from the real OCI registry behind it. */
export const ecrService = (
  deps: EcrDeps,
  pushes: PushObserver,
  credentials: RegistryCredentials | undefined,
): JsonRpcService => ({
  name: 'ecr',
  targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
  validationError: 'InvalidParameterException',
  operations: {
    ...repositoryOperations(deps),
    ...imageOperations(deps, pushes),
    ...scanningOperations(deps),
    ...authOperations(deps, credentials),
  },
});

export { DEFAULT_SCANNING, type EcrDeps } from './deps';
export { EcrState } from './ecr-state';
export { artifactMediaType, imageActionEvent, type EventOrigin, type ImageAction } from './image-action';
export { PushObserver, type ObservedPush } from './push-observer';
export { RegistryView, type RegistryConnection } from './registry';
