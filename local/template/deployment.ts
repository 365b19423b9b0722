import { BUNDLED_FILES_METADATA, ENTRY_METADATA } from '../../infra/constructs/tollgate-function';
import { LocalStackError } from '../errors';
import { validateEventPattern, type EventPattern } from '../event-pattern';
import {
  apiDestinationsOf,
  targetHttpParameters,
  type LocalApiDestination,
  type TargetHttpParameters,
} from './api-destinations';
import { resourcesOfType, type CfnTemplate, type DeploymentEnvironment } from './cfn';
import { IntrinsicResolver } from './intrinsics';
import { physicalResources, type ProvidedResources } from './physical';

/** EventBridge's retries of a target without a `RetryPolicy`. */
export const EVENTBRIDGE_DEFAULT_RETRY_ATTEMPTS = 185;

/** The default bus: rules without `EventBusName` and events put without one. */
export const DEFAULT_BUS = 'default';

export interface LocalTable {
  readonly logicalId: string;
  readonly tableName: string;
  readonly keySchema: readonly { readonly AttributeName: string; readonly KeyType: 'HASH' | 'RANGE' }[];
  readonly attributeDefinitions: readonly {
    readonly AttributeName: string;
    readonly AttributeType: 'S' | 'N' | 'B';
  }[];
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly functionName: string;
  readonly arn: string;
  /** The handler source relative to the project root; absent when the template does not say. */
  readonly entry?: string;
  /** The exported handler name, from `Handler` (`index.handler` → `handler`). */
  readonly handlerExport: string;
  /** Files the bundle carries next to the handler: name in the bundle → path relative to the project root. */
  readonly bundledFiles: Readonly<Record<string, string>>;
  /** `Environment.Variables`, every intrinsic resolved. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Lambda's retries of a failed asynchronous invocation (`EventInvokeConfig`, else Lambda's default 2). */
  readonly maximumRetryAttempts: number;
  /** ARN of the on-failure destination, when the template configures one. */
  readonly onFailure?: string;
  /** `ReservedConcurrentExecutions`, when the template sets it: the most containers Lambda runs at once. */
  readonly reservedConcurrentExecutions?: number;
}

/** What a rule target hands the function, per EventBridge's target input options. */
export type TargetInput =
  | { readonly kind: 'event' }
  | { readonly kind: 'constant'; readonly json: string }
  | { readonly kind: 'path'; readonly path: string }
  | {
      readonly kind: 'transformer';
      readonly pathsMap: Readonly<Record<string, string>>;
      readonly template: string;
    };

export interface LocalRuleTarget {
  readonly id: string;
  readonly arn: string;
  /** The function this target invokes; absent for targets the local stack does not run (queues). */
  readonly functionLogicalId?: string;
  /** The API destination this target calls (webhooks), with the target's own `HttpParameters`. */
  readonly apiDestination?: LocalApiDestination & { readonly http: TargetHttpParameters };
  readonly input: TargetInput;
  /** The target's `RetryPolicy`: EventBridge retries a failed delivery 185 times over 24 hours by default. */
  readonly maximumRetryAttempts: number;
  /** ARN of the target's `DeadLetterConfig`: where an event goes when its retries run out. */
  readonly deadLetterArn?: string;
}

export interface LocalRule {
  readonly logicalId: string;
  readonly busName: string;
  readonly pattern: EventPattern;
  readonly enabled: boolean;
  readonly targets: readonly LocalRuleTarget[];
}

export interface LocalSigningKey {
  readonly logicalId: string;
  /** The alias an `AWS::KMS::Alias` of the template gives it. */
  readonly alias?: string;
}

/** Everything the local stack runs, derived from one synthesized template. */
export interface LocalDeployment {
  readonly tables: readonly LocalTable[];
  readonly buses: readonly string[];
  readonly rules: readonly LocalRule[];
  readonly functions: readonly LocalFunction[];
  /** Notes for the progress log: targets nothing runs locally, and similar. */
  readonly notes: readonly string[];
}

/**
 * The signing keys (KeyUsage SIGN_VERIFY) of the template and their aliases: created in the stand-in
 * first, so their ARNs can be handed to `deriveDeployment` as provided resources. Other keys (the one
 * encrypting an SNS topic) get a name and an ARN only: nothing local encrypts with them.
 */
export const signingKeysOf = (template: CfnTemplate): LocalSigningKey[] =>
  resourcesOfType(template, 'AWS::KMS::Key')
    .filter(([, resource]) => resource.Properties?.KeyUsage === 'SIGN_VERIFY')
    .map(([logicalId]) => {
      const alias = resourcesOfType(template, 'AWS::KMS::Alias').find(([, resource]) =>
        refersTo(resource.Properties?.TargetKeyId, logicalId),
      );
      const aliasName = alias?.[1].Properties?.AliasName;
      return { logicalId, ...(typeof aliasName === 'string' ? { alias: aliasName } : {}) };
    });

/**
 * Reads the tables, buses, rules and functions out of a synthesized template and resolves every
 * intrinsic to local names. The rules' event patterns are used exactly as synthesized: what routes an
 * event locally is the CDK rule, never a copy of it.
 */
export const deriveDeployment = (
  template: CfnTemplate,
  env: DeploymentEnvironment,
  provided: ProvidedResources = {},
): LocalDeployment => {
  const physical = physicalResources(template, env, provided);
  const resolver = new IntrinsicResolver(template, env, physical);
  const notes: string[] = [];

  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table').map(
    ([logicalId, resource]): LocalTable => {
      const props = resolver.resolve(resource.Properties ?? {}, logicalId) as Record<string, unknown>;
      return {
        logicalId,
        tableName: physical.get(logicalId)!.ref,
        keySchema: props.KeySchema as LocalTable['keySchema'],
        attributeDefinitions: props.AttributeDefinitions as LocalTable['attributeDefinitions'],
      };
    },
  );

  const buses = [
    DEFAULT_BUS,
    ...resourcesOfType(template, 'AWS::Events::EventBus').map(([logicalId]) => physical.get(logicalId)!.ref),
  ];

  const invokeConfigs = new Map(
    resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').map(([logicalId, resource]) => {
      const props = resolver.resolve(resource.Properties ?? {}, logicalId) as Record<string, unknown>;
      return [String(props.FunctionName), props] as const;
    }),
  );

  const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(
    ([logicalId, resource]): LocalFunction => {
      const own = physical.get(logicalId)!;
      const props = resource.Properties ?? {};
      const variables =
        (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          resolver.resolveString(value, `${logicalId}.Environment.Variables.${name}`),
        ]),
      );
      const invokeConfig = invokeConfigs.get(own.ref) ?? invokeConfigs.get(own.attributes.Arn ?? '');
      const onFailure = (
        invokeConfig?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
      )?.OnFailure?.Destination;
      const entry = resource.Metadata?.[ENTRY_METADATA];
      const bundled = resource.Metadata?.[BUNDLED_FILES_METADATA];
      const handler = typeof props.Handler === 'string' ? props.Handler : 'index.handler';
      return {
        logicalId,
        functionName: own.ref,
        arn: own.attributes.Arn!,
        ...(typeof entry === 'string' ? { entry } : {}),
        handlerExport: handler.slice(handler.lastIndexOf('.') + 1),
        bundledFiles: isStringRecord(bundled) ? bundled : {},
        environment,
        timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
        memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
        maximumRetryAttempts:
          typeof invokeConfig?.MaximumRetryAttempts === 'number' ? invokeConfig.MaximumRetryAttempts : 2,
        ...(typeof onFailure === 'string' ? { onFailure } : {}),
        ...(typeof props.ReservedConcurrentExecutions === 'number'
          ? { reservedConcurrentExecutions: props.ReservedConcurrentExecutions }
          : {}),
      };
    },
  );
  for (const fn of functions) {
    if (fn.entry === undefined) {
      notes.push(`function ${fn.logicalId} has no ${ENTRY_METADATA} metadata: it cannot run locally`);
    }
  }

  const byArn = new Map(functions.map((fn) => [fn.arn, fn.logicalId]));
  const apiDestinations = apiDestinationsOf(template, resolver, physical);
  for (const destination of apiDestinations.values()) {
    if (destination.connection.unsupported !== undefined) {
      notes.push(`API destination ${destination.logicalId}: ${destination.connection.unsupported}`);
    }
  }
  const rules = resourcesOfType(template, 'AWS::Events::Rule').flatMap(
    ([logicalId, resource]): LocalRule[] => {
      const props = resource.Properties ?? {};
      if (props.EventPattern === undefined) {
        notes.push(`rule ${logicalId} is a schedule rule: not run locally`);
        return [];
      }
      const pattern = resolver.resolve(props.EventPattern, `${logicalId}.EventPattern`);
      try {
        validateEventPattern(pattern);
      } catch (error) {
        throw new LocalStackError(
          `rule ${logicalId}: ${(error as Error).message}`,
          'EventBridge would refuse this pattern too; fix the rule in infra/',
          { cause: error },
        );
      }
      const targets = ((props.Targets as unknown[] | undefined) ?? []).map((raw, i): LocalRuleTarget => {
        const target = resolver.resolve(raw, `${logicalId}.Targets[${i}]`) as Record<string, unknown>;
        const arn = String(target.Arn);
        const functionLogicalId = byArn.get(arn);
        const apiDestination = apiDestinations.get(arn);
        if (functionLogicalId === undefined && apiDestination === undefined) {
          notes.push(`rule ${logicalId} target ${arn}: not run locally`);
        }
        const retryPolicy = target.RetryPolicy as { MaximumRetryAttempts?: unknown } | undefined;
        const deadLetterArn = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
        return {
          id: typeof target.Id === 'string' ? target.Id : `Target${i}`,
          arn,
          ...(functionLogicalId === undefined ? {} : { functionLogicalId }),
          ...(apiDestination === undefined
            ? {}
            : { apiDestination: { ...apiDestination, http: targetHttpParameters(target.HttpParameters) } }),
          input: targetInput(target, `${logicalId}.Targets[${i}]`),
          maximumRetryAttempts:
            typeof retryPolicy?.MaximumRetryAttempts === 'number'
              ? retryPolicy.MaximumRetryAttempts
              : EVENTBRIDGE_DEFAULT_RETRY_ATTEMPTS,
          ...(typeof deadLetterArn === 'string' ? { deadLetterArn } : {}),
        };
      });
      return [
        {
          logicalId,
          busName:
            props.EventBusName === undefined
              ? DEFAULT_BUS
              : busName(resolver.resolveString(props.EventBusName, logicalId)),
          pattern: pattern as EventPattern,
          enabled: props.State === undefined || props.State === 'ENABLED',
          targets,
        },
      ];
    },
  );

  return { tables, buses, rules, functions, notes };
};

const targetInput = (target: Record<string, unknown>, where: string): TargetInput => {
  if (typeof target.Input === 'string') return { kind: 'constant', json: target.Input };
  if (typeof target.InputPath === 'string') return { kind: 'path', path: target.InputPath };
  const transformer = target.InputTransformer as
    { InputPathsMap?: Record<string, string>; InputTemplate?: string } | undefined;
  if (transformer !== undefined) {
    if (typeof transformer.InputTemplate !== 'string') {
      throw new LocalStackError(`${where}: InputTransformer without InputTemplate`, 'fix the rule target');
    }
    return {
      kind: 'transformer',
      pathsMap: transformer.InputPathsMap ?? {},
      template: transformer.InputTemplate,
    };
  }
  return { kind: 'event' };
};

/** `EventBusName` may be a name or an ARN. */
const busName = (value: string): string =>
  value.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : value;

const refersTo = (value: unknown, logicalId: string): boolean => {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (record.Ref === logicalId) return true;
  const getAtt = record['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[0] === logicalId;
};

const isStringRecord = (value: unknown): value is Record<string, string> =>
  value !== null &&
  typeof value === 'object' &&
  Object.values(value as Record<string, unknown>).every((item) => typeof item === 'string');
