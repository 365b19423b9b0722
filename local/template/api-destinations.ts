import { resourcesOfType, type CfnTemplate } from './cfn';
import type { IntrinsicResolver } from './intrinsics';
import type { PhysicalResource } from './physical';

/**
 * How a connection authorizes its calls, read from `AWS::Events::Connection`. Header values may be
 * CloudFormation dynamic references (`{{resolve:secretsmanager:...}}`): CloudFormation resolves them at
 * deploy time, the local stack only when it is given the secret (see SecretLookup).
 */
export interface LocalConnection {
  readonly logicalId: string;
  readonly arn: string;
  /** Headers sent with every call: the authorization and the connection's invocation headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly queryParameters: Readonly<Record<string, string>>;
  /** BASIC authorization: encoded at delivery, after any secret in it is resolved. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** Why the connection cannot call anything locally (OAuth client credentials), if it cannot. */
  readonly unsupported?: string;
}

/** An `AWS::Events::ApiDestination` with its connection. */
export interface LocalApiDestination {
  readonly logicalId: string;
  readonly arn: string;
  /** `InvocationEndpoint`; a `*` is replaced by the target's path parameter. */
  readonly endpoint: string;
  readonly httpMethod: string;
  /** @default 300, EventBridge's default */
  readonly rateLimitPerSecond: number;
  readonly connection: LocalConnection;
}

/** A rule target's own `HttpParameters`, added to the destination's. */
export interface TargetHttpParameters {
  readonly pathParameters: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly queryParameters: Readonly<Record<string, string>>;
}

const DEFAULT_RATE_LIMIT = 300;

/** The template's API destinations by ARN, the one thing a rule target names them by. */
export const apiDestinationsOf = (
  template: CfnTemplate,
  resolver: IntrinsicResolver,
  physical: ReadonlyMap<string, PhysicalResource>,
): Map<string, LocalApiDestination> => {
  const connections = new Map(
    resourcesOfType(template, 'AWS::Events::Connection').map(([logicalId, resource]) => {
      const arn = physical.get(logicalId)!.attributes.Arn!;
      const props = resolver.resolve(resource.Properties ?? {}, logicalId) as Record<string, unknown>;
      return [arn, connectionOf(logicalId, arn, props)] as const;
    }),
  );
  const out = new Map<string, LocalApiDestination>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::ApiDestination')) {
    const arn = physical.get(logicalId)!.attributes.Arn!;
    const props = resolver.resolve(resource.Properties ?? {}, logicalId) as Record<string, unknown>;
    const connectionArn = String(props.ConnectionArn);
    const connection = connections.get(connectionArn) ?? {
      logicalId: connectionArn,
      arn: connectionArn,
      headers: {},
      queryParameters: {},
      unsupported: `the connection ${connectionArn} is not in the template`,
    };
    out.set(arn, {
      logicalId,
      arn,
      endpoint: String(props.InvocationEndpoint),
      httpMethod: typeof props.HttpMethod === 'string' ? props.HttpMethod : 'POST',
      rateLimitPerSecond:
        typeof props.InvocationRateLimitPerSecond === 'number'
          ? props.InvocationRateLimitPerSecond
          : DEFAULT_RATE_LIMIT,
      connection,
    });
  }
  return out;
};

/** `HttpParameters` of a rule target, resolved. */
export const targetHttpParameters = (raw: unknown): TargetHttpParameters => {
  const props = (raw ?? {}) as {
    PathParameterValues?: unknown;
    HeaderParameters?: unknown;
    QueryStringParameters?: unknown;
  };
  return {
    pathParameters: Array.isArray(props.PathParameterValues) ? props.PathParameterValues.map(String) : [],
    headers: stringRecord(props.HeaderParameters),
    queryParameters: stringRecord(props.QueryStringParameters),
  };
};

const connectionOf = (logicalId: string, arn: string, props: Record<string, unknown>): LocalConnection => {
  const auth = (props.AuthParameters ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const invocation = (auth.InvocationHttpParameters ?? {}) as {
    HeaderParameters?: { Key?: unknown; Value?: unknown }[];
    QueryStringParameters?: { Key?: unknown; Value?: unknown }[];
  };
  const pairs = (list: { Key?: unknown; Value?: unknown }[] | undefined): Record<string, string> =>
    Object.fromEntries((list ?? []).map(({ Key, Value }) => [String(Key), String(Value)]));
  const headers: Record<string, string> = pairs(invocation.HeaderParameters);
  let unsupported: string | undefined;
  let basic: LocalConnection['basic'];
  switch (props.AuthorizationType) {
    case 'API_KEY': {
      const apiKey = auth.ApiKeyAuthParameters ?? {};
      headers[String(apiKey.ApiKeyName)] = String(apiKey.ApiKeyValue);
      break;
    }
    case 'BASIC': {
      const parameters = auth.BasicAuthParameters ?? {};
      basic = { username: String(parameters.Username), password: String(parameters.Password) };
      break;
    }
    default:
      // Fetching a token from an OAuth server is EventBridge's own machinery; no webhook of Tollgate uses it.
      unsupported = `authorization ${String(props.AuthorizationType)} is not run locally`;
  }
  return {
    logicalId,
    arn,
    headers,
    queryParameters: pairs(invocation.QueryStringParameters),
    ...(basic === undefined ? {} : { basic }),
    ...(unsupported === undefined ? {} : { unsupported }),
  };
};

/** `{{resolve:secretsmanager:NAME:SecretString:KEY:STAGE:VERSION}}`, as CDK's SecretValue writes it. */
export const DYNAMIC_REFERENCE =
  /\{\{resolve:secretsmanager:([^:}]+)(?::SecretString:([^:}]*):([^:}]*):([^:}]*))?\}\}/g;

const stringRecord = (value: unknown): Record<string, string> =>
  value !== null && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
    : {};
