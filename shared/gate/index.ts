export * from './admission';
export { judgeVulnPredicate, type PredicateJudgement } from './attestation';
export { defaultGateDeps } from './default-deps';
export { DockerConfigCredentials, dockerConfigPath, parseDockerAuths } from './docker-config';
export { DEFAULT_MAX_AGE_MS, formatDuration, goDuration, parseDuration } from './duration';
export {
  DockerConfigError,
  InvalidDurationError,
  InvalidImageReferenceError,
  KEY_ID_HINT,
  KeyPinMismatchError,
  PublicKeyError,
  UnpinnedKeyError,
} from './errors';
export {
  DOCKER_HUB,
  formatImageReference,
  parseImageReference,
  registryApiHost,
  repositoryIdentity,
  type ImageReference,
} from './image-reference';
export {
  formatKeyReference,
  namesAlias,
  parseKeyReference,
  pinKeyReference,
  sameKey,
  type KeyReference,
} from './key-reference';
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
} from './result';
export { verifyImage, type GateDeps, type VerifyImageRequest } from './verify-image';
export {
  publicKeyResource,
  type PublicKeyResourceEvent,
  type PublicKeyResourceResponse,
} from './public-key-resource';
