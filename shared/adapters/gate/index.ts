export * from '../../core/gate/admission';
export { judgeVulnPredicate, type PredicateJudgement } from '../../core/gate/attestation';
export { defaultGateDeps } from './default-deps';
export { DockerConfigCredentials, dockerConfigPath, parseDockerAuths } from './docker-config';
export { DEFAULT_MAX_AGE_MS, formatDuration, goDuration, parseDuration } from '../../core/gate/duration';
export {
  DockerConfigError,
  InvalidDurationError,
  InvalidImageReferenceError,
  KEY_ID_HINT,
  KeyPinMismatchError,
  PublicKeyError,
  UnpinnedKeyError,
} from '../../core/gate/errors';
export {
  DOCKER_HUB,
  formatImageReference,
  parseImageReference,
  registryApiHost,
  repositoryIdentity,
  type ImageReference,
} from '../../core/gate/image-reference';
export {
  formatKeyReference,
  namesAlias,
  parseKeyReference,
  pinKeyReference,
  sameKey,
  type KeyReference,
} from '../../core/gate/key-reference';
export {
  checkPublicPem,
  kmsPublicKey,
  pemFilePublicKey,
  pinnedKeySource,
  pinnedPublicKey,
  publicKeyFor,
} from './key-sources';
export {
  ecrRegion,
  registryClientFor,
  registryCredentialsFor,
  type RegistryAccessOptions,
} from './registry-access';
export type {
  AttestationReport,
  AttestationStatus,
  GateResult,
  GateSignature,
  GateSignatureFormat,
} from '../../core/gate/result';
export { verifyImage, type GateDeps, type VerifyImageRequest } from '../../app/gate/verify-image';
export {
  publicKeyResource,
  type PublicKeyResourceEvent,
  type PublicKeyResourceResponse,
} from './public-key-resource';
