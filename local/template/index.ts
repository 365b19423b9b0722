export { LOCAL_ENVIRONMENT, type CfnResource, type CfnTemplate, type DeploymentEnvironment } from './cfn';
export {
  DYNAMIC_REFERENCE,
  type LocalApiDestination,
  type LocalConnection,
  type TargetHttpParameters,
} from './api-destinations';
export {
  DEFAULT_BUS,
  EVENTBRIDGE_DEFAULT_RETRY_ATTEMPTS,
  deriveDeployment,
  signingKeysOf,
  type LocalDeployment,
  type LocalFunction,
  type LocalRule,
  type LocalRuleTarget,
  type LocalSigningKey,
  type LocalTable,
  type TargetInput,
} from './deployment';
export type { PhysicalResource, ProvidedResources } from './physical';
export {
  readTemplate,
  synthesizeStack,
  synthesizeTollgate,
  type SynthesizeTollgateOptions,
} from './synthesize';
