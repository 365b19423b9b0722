export { CALLER_HEADER, CallCounter, markMainThreadFetch, routeKind, type CallCounts } from './counting';
export { ECR_QUIRKS, ecrRefusal, ecrUnsupported, type EcrQuirks, type EcrRefusalReason } from './ecr-quirks';
export { ALL_FAULT_KINDS, type ProxyDialect, type ProxyFaultKind, type ProxyFaults } from './faults';
export { isImmutable, type TagMutabilitySetting } from './immutable-tags';
export { REGISTRY_MODE_ENV, REGISTRY_MODES, registryModeOf, type RegistryMode } from './mode';
export {
  FrontState,
  startRegistryFront,
  type FrontCounts,
  type FrontEvent,
  type ProxiedRequest,
  type ReferrersApiOptions,
  type Refusal,
  type RegistryFront,
  type RegistryFrontOptions,
} from './proxy';
export { ReferrersIndex, type ReferrerDescriptor } from './referrers';
export { startRegistryFrontThread, type ThreadFrontOptions } from './thread';
