import { LocalStackError } from '../errors';
import type { CfnTemplate, DeploymentEnvironment } from './cfn';
import type { PhysicalResource } from './physical';

/** Resolves CloudFormation intrinsic functions against the local deployment's physical resources. */
export class IntrinsicResolver {
  public constructor(
    private readonly template: CfnTemplate,
    private readonly env: DeploymentEnvironment,
    private readonly resources: ReadonlyMap<string, PhysicalResource>,
  ) {}

  /** Replaces every intrinsic in `value` (deeply) by its local value. `AWS::NoValue` removes the key. */
  public resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return (value as unknown[])
        .map((item, i) => this.resolve(item, `${where}[${i}]`))
        .filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && isIntrinsic(first[0])) {
      return this.intrinsic(first[0], first[1], where);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = this.resolve(item, `${where}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  /** Like `resolve`, for a value that must end up a string (an environment variable, a name). */
  public resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw unsupported(where, `expected a string, got ${JSON.stringify(resolved)}`);
  }

  private intrinsic(name: string, argument: unknown, where: string): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument), where);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] =
          typeof argument === 'string' ? argument.split('.') : (argument as unknown[]).map(String);
        return this.getAtt(String(logicalId), String(attribute), where);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown];
        const list = this.resolve(parts, where);
        if (!Array.isArray(list)) throw unsupported(where, 'Fn::Join needs a list');
        return list.map((part) => this.asString(part, where)).join(separator);
      }
      case 'Fn::Sub':
        return this.sub(argument, where);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const resolved = this.resolve(list, where);
        const item = Array.isArray(resolved)
          ? (resolved as unknown[])[Number(this.resolve(index, where))]
          : undefined;
        if (item === undefined) throw unsupported(where, 'Fn::Select index out of range');
        return item;
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return this.resolveString(text, where).split(separator);
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(argument, where));
      default:
        throw unsupported(where, `${name} is not supported by the local stack`);
    }
  }

  private ref(name: string, where: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.env.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.env.region}:${this.env.accountId}:stack/${this.env.stackName}/local`;
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    const resource = this.resources.get(name);
    if (resource !== undefined) return resource.ref;
    const parameter = this.template.Parameters?.[name];
    if (parameter?.Default !== undefined) return parameter.Default;
    throw unsupported(where, `Ref to ${name}: no such resource, or a parameter without a default`);
  }

  private getAtt(logicalId: string, attribute: string, where: string): string {
    const resource = this.resources.get(logicalId);
    const value = resource?.attributes[attribute];
    if (value === undefined) {
      throw unsupported(
        where,
        `Fn::GetAtt ${logicalId}.${attribute}: ${resource === undefined ? 'no such resource' : 'attribute not modelled locally'}`,
      );
    }
    return value;
  }

  private sub(argument: unknown, where: string): string {
    const [text, variables] = Array.isArray(argument)
      ? (argument as [string, Record<string, unknown>])
      : [String(argument), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (Object.hasOwn(variables, name)) return this.resolveString(variables[name], where);
      const [logicalId, attribute] = name.split('.');
      return attribute === undefined
        ? this.asString(this.ref(name, where), where)
        : this.getAtt(String(logicalId), attribute, where);
    });
  }

  private asString(value: unknown, where: string): string {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw unsupported(where, `expected a string, got ${JSON.stringify(value)}`);
  }
}

/** The marker `AWS::NoValue` resolves to: the key or list item is dropped. */
const NO_VALUE = Symbol('AWS::NoValue');

const isIntrinsic = (key: string): boolean => key === 'Ref' || key.startsWith('Fn::');

const unsupported = (where: string, message: string): LocalStackError =>
  new LocalStackError(
    `the template cannot be run locally: ${where}: ${message}`,
    'the local stack resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and pseudo parameters; extend local/template/intrinsics.ts for more',
  );
