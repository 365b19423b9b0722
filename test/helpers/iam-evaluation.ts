import type { CfnTemplate } from '../../local/template/cfn';
import { IntrinsicResolver } from '../../local/template/intrinsics';
import { physicalResources } from '../../local/template/physical';

/**
 * A small model of IAM's policy evaluation for one account, enough to ask the synthesized template "may this
 * principal do this?" and get the answer AWS would give, for the operators Tollgate's policies use. Anything it
 * does not model (an unknown operator, a multivalued key without a set operator, another account) throws, so a
 * test cannot pass by the evaluator guessing.
 *
 * Modelled, per the IAM policy evaluation logic: an explicit Deny in any applicable policy wins; otherwise an
 * identity-policy Allow or a resource-policy Allow naming the principal allows (same account), except for KMS,
 * where the key policy must allow the principal itself, or allow the account root (delegating to IAM) and an
 * identity policy then allows it.
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface Request {
  /** `aws:PrincipalArn`: for a role session, the role's ARN. */
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  /** Other keys of the request context, by name; an array for a multivalued key. */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export interface Policies {
  /** The identity policies of the principal. */
  readonly identity: readonly Statement[];
  /** The resource's policy (a key policy, a bus policy), if it has one. */
  readonly resource?: readonly Statement[];
  /** KMS: the key policy must allow, directly or by delegating to the account. */
  readonly keyPolicy?: boolean;
}

export type Decision = 'allow' | 'explicit deny' | 'implicit deny';

export const ACCOUNT = '123456789012';
export const REGION = 'us-west-2';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

export const evaluate = (request: Request, policies: Policies): Decision => {
  if (!request.principalArn.startsWith(`arn:aws:iam::${ACCOUNT}:`)) {
    throw new Error(`only principals of account ${ACCOUNT} are modelled, got ${request.principalArn}`);
  }
  const identity = policies.identity.filter((statement) => applies(statement, request));
  const resource = (policies.resource ?? []).filter(
    (statement) => applies(statement, request) && principalOf(statement, request) !== 'none',
  );
  if ([...identity, ...resource].some((statement) => statement.Effect === 'Deny')) return 'explicit deny';
  const identityAllows = identity.some((statement) => statement.Effect === 'Allow');
  const grants = resource.filter((statement) => statement.Effect === 'Allow');
  const direct = grants.some((statement) => principalOf(statement, request) !== 'account');
  const delegated = grants.some((statement) => principalOf(statement, request) === 'account');
  if (policies.keyPolicy === true) return direct || (delegated && identityAllows) ? 'allow' : 'implicit deny';
  return direct || delegated || identityAllows ? 'allow' : 'implicit deny';
};

/** Replaces every intrinsic of `value` by the value CloudFormation would give it (resources named by logical id). */
export const resolverFor = (template: CfnTemplate): ((value: unknown) => unknown) => {
  const env = { accountId: ACCOUNT, region: REGION, stackName: 'Tollgate' };
  const resolver = new IntrinsicResolver(template, env, physicalResources(template, env));
  return (value) => resolver.resolve(value, 'policy');
};

const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [value]);

/** IAM wildcards: `*` any run of characters, `?` one. */
const glob = (pattern: string, text: string, ignoreCase = false): boolean => {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text);
};

const applies = (statement: Statement, request: Request): boolean =>
  list(statement.Action).some((action) => glob(String(action), request.action, true)) &&
  list(statement.Resource).some((resource) => glob(asString(resource), request.resource)) &&
  conditionsHold(statement.Condition ?? {}, request);

/** How a resource policy's Principal names the requester: itself, its account (root), or not at all. */
const principalOf = (statement: Statement, request: Request): 'direct' | 'account' | 'none' => {
  const principal = statement.Principal;
  if (principal === '*') return 'direct';
  if (typeof principal !== 'object' || principal === null) return 'none';
  const aws = list((principal as { AWS?: unknown }).AWS).map((value) =>
    value === undefined ? '' : asString(value),
  );
  if (aws.includes('*') || aws.includes(request.principalArn)) return 'direct';
  if (aws.includes(ROOT) || aws.includes(ACCOUNT)) return 'account';
  return 'none';
};

const asString = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`unresolved policy value ${JSON.stringify(value)}`);
  return value;
};

const BASE_OPERATORS: Record<
  string,
  { negated: boolean; match: (pattern: string, value: string) => boolean }
> = {
  StringEquals: { negated: false, match: (pattern, value) => pattern === value },
  StringNotEquals: { negated: true, match: (pattern, value) => pattern === value },
  StringEqualsIgnoreCase: {
    negated: false,
    match: (pattern, value) => pattern.toLowerCase() === value.toLowerCase(),
  },
  StringNotEqualsIgnoreCase: {
    negated: true,
    match: (pattern, value) => pattern.toLowerCase() === value.toLowerCase(),
  },
  StringLike: { negated: false, match: (pattern, value) => glob(pattern, value) },
  StringNotLike: { negated: true, match: (pattern, value) => glob(pattern, value) },
  // IAM's ArnEquals and ArnLike both take wildcards.
  ArnEquals: { negated: false, match: (pattern, value) => glob(pattern, value) },
  ArnLike: { negated: false, match: (pattern, value) => glob(pattern, value) },
  ArnNotEquals: { negated: true, match: (pattern, value) => glob(pattern, value) },
  ArnNotLike: { negated: true, match: (pattern, value) => glob(pattern, value) },
};

/** The request's values for a key (condition key names are case-insensitive); undefined when absent. */
const contextValues = (request: Request, key: string): readonly string[] | undefined => {
  if (key.toLowerCase() === 'aws:principalarn') return [request.principalArn];
  const found = Object.entries(request.context ?? {}).find(
    ([name]) => name.toLowerCase() === key.toLowerCase(),
  );
  if (found === undefined) return undefined;
  const values = list(found[1]).map(asString);
  return values;
};

const conditionsHold = (
  conditions: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  request: Request,
): boolean =>
  Object.entries(conditions).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
  );

const conditionHolds = (operator: string, key: string, expected: unknown, request: Request): boolean => {
  const parsed = /^(?:(ForAnyValue|ForAllValues):)?(\w+?)(IfExists)?$/.exec(operator);
  const base = parsed === null ? undefined : BASE_OPERATORS[parsed[2]!];
  if (parsed === null || base === undefined)
    throw new Error(`condition operator ${operator} is not modelled`);
  const [, set, , ifExists] = parsed;
  const patterns = list(expected).map(asString);
  const values = contextValues(request, key);
  // One value satisfies a positive operator if it matches any pattern, a negated one if it matches none.
  const satisfies = (value: string): boolean =>
    base.negated
      ? !patterns.some((pattern) => base.match(pattern, value))
      : patterns.some((pattern) => base.match(pattern, value));
  if (set === 'ForAnyValue') return (values ?? []).some(satisfies);
  if (set === 'ForAllValues') return (values ?? []).every(satisfies);
  if (values !== undefined && values.length > 1) {
    throw new Error(`${key} has several values: ${operator} needs ForAnyValue or ForAllValues`);
  }
  // A missing key fails a positive operator and satisfies a negated one (or any ...IfExists).
  if (values === undefined || values.length === 0) return ifExists !== undefined || base.negated;
  return satisfies(values[0]!);
};
