import type { CfnResource, CfnTemplate, DeploymentEnvironment } from './cfn';

/** What `Ref` and `Fn::GetAtt` give for one resource of the local deployment. */
export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A resource created elsewhere (the KMS key, created in the stand-in), by logical id. */
export type ProvidedResources = Readonly<Record<string, PhysicalResource>>;

/** Lambda's limit on function names; logical ids can be longer. */
const MAX_FUNCTION_NAME = 64;

/**
 * Chooses a physical name for every resource, the way CloudFormation would, but deterministic: the
 * logical id, or the name the template sets. The names only have to be consistent within one local
 * deployment, because the same mapping resolves every `Ref` and `Fn::GetAtt` of the template.
 */
export const physicalResources = (
  template: CfnTemplate,
  env: DeploymentEnvironment,
  provided: ProvidedResources = {},
): Map<string, PhysicalResource> => {
  const out = new Map<string, PhysicalResource>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    out.set(logicalId, provided[logicalId] ?? physicalResource(logicalId, resource, env));
  }
  return out;
};

const physicalResource = (
  logicalId: string,
  resource: CfnResource,
  env: DeploymentEnvironment,
): PhysicalResource => {
  const { region, accountId } = env;
  const prefix = (service: string): string => `arn:aws:${service}:${region}:${accountId}`;
  const named = (property: string): string => {
    const value = resource.Properties?.[property];
    return typeof value === 'string' ? value : logicalId;
  };
  switch (resource.Type) {
    case 'AWS::Lambda::Function': {
      const name = named('FunctionName').slice(0, MAX_FUNCTION_NAME);
      return { ref: name, attributes: { Arn: `${prefix('lambda')}:function:${name}` } };
    }
    case 'AWS::DynamoDB::Table': {
      const name = named('TableName');
      return { ref: name, attributes: { Arn: `${prefix('dynamodb')}:table/${name}` } };
    }
    case 'AWS::Events::EventBus': {
      const name = named('Name');
      return { ref: name, attributes: { Arn: `${prefix('events')}:event-bus/${name}`, Name: name } };
    }
    case 'AWS::Events::Rule': {
      const name = named('Name');
      return { ref: name, attributes: { Arn: `${prefix('events')}:rule/${name}` } };
    }
    case 'AWS::Events::Connection': {
      const name = named('Name');
      const arn = `${prefix('events')}:connection/${name}/local`;
      return {
        ref: name,
        attributes: {
          Arn: arn,
          ArnForPolicy: arn,
          SecretArn: `${prefix('secretsmanager')}:secret:events!connection/${name}/local`,
        },
      };
    }
    case 'AWS::Events::ApiDestination': {
      const name = named('Name');
      const arn = `${prefix('events')}:api-destination/${name}/local`;
      return { ref: name, attributes: { Arn: arn, ArnForPolicy: arn } };
    }
    case 'AWS::SQS::Queue': {
      const name = named('QueueName');
      return {
        ref: `http://sqs.${region}.localhost/${accountId}/${name}`,
        attributes: { Arn: `${prefix('sqs')}:${name}`, QueueName: name },
      };
    }
    case 'AWS::SNS::Topic': {
      const name = named('TopicName');
      const arn = `${prefix('sns')}:${name}`;
      return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::IAM::Role': {
      const name = named('RoleName');
      return {
        ref: name,
        attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}`, RoleId: `AROA${logicalId}` },
      };
    }
    case 'AWS::KMS::Key':
      return { ref: logicalId, attributes: { Arn: `${prefix('kms')}:key/${logicalId}`, KeyId: logicalId } };
    case 'AWS::KMS::Alias':
      return { ref: named('AliasName'), attributes: {} };
    case 'AWS::Scheduler::ScheduleGroup': {
      const name = named('Name');
      return { ref: name, attributes: { Arn: `${prefix('scheduler')}:schedule-group/${name}` } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = named('LogGroupName');
      return { ref: name, attributes: { Arn: `${prefix('logs')}:log-group:${name}:*` } };
    }
    default: {
      // Resources the local stack runs nothing for (alarms, policies, archives): a name and an ARN of
      // the usual shape, so a function environment that mentions them still resolves.
      const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown';
      return { ref: logicalId, attributes: { Arn: `${prefix(service)}:${logicalId}` } };
    }
  }
};
