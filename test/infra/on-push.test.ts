import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { ON_PUSH_ENV } from '../../functions/on-push/deps';
import { baseConfig, synth } from '../helpers/stack';

interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
  readonly Effect: string;
}
interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

const { stack, template } = synth();
const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
const onPush = stack.tollgate.onPush;
const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnRole);
const functionId = stack.getLogicalId(onPush.function.function.node.defaultChild as CfnFunction);
const roleId = logicalId(onPush.function.function.role as never);
const schedulerRoleId = logicalId(onPush.schedulerRole);
const timeoutFunctionId = stack.getLogicalId(
  stack.tollgate.onScan.onTimeout.function.node.defaultChild as CfnFunction,
);

/** Every statement of the policies attached to a role. */
const statementsOf = (role: string): Statement[] =>
  Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actions = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const arn = (suffix: string): unknown => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${suffix}`]],
});

describe('On push: the rule', () => {
  it('routes successful pushes and deletes of the covered repositories, of its own account, on the default bus', () => {
    const rule = resources[stack.getLogicalId(onPush.rule.node.defaultChild as never)]!;
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ecr'],
      // A default bus opened to other accounts must not make their repositories ours: a forwarded event names
      // only a repository, and another account's delete of `team/app` would otherwise mark this one's deleted.
      account: [stack.account],
      'detail-type': ['ECR Image Action'],
      detail: {
        'action-type': ['PUSH', 'DELETE'],
        result: ['SUCCESS'],
        // Globs become EventBridge wildcards; plain names match exactly.
        'repository-name': [{ wildcard: 'payments/*' }, 'web/frontend'],
      },
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^TollgateOnPushRuleDeadLetters/), 'Arn'] },
        },
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
      }),
    ]);
  });

  it('follows the configured patterns', () => {
    const other = synth(baseConfig({ repositories: ['team-a/*', 'exact'] })).template;
    other.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['ECR Image Action'],
        detail: Match.objectLike({ 'repository-name': [{ wildcard: 'team-a/*' }, 'exact'] }),
      }),
    });
  });
});

describe('On push: the functions', () => {
  it('on-push is a Node.js 24 arm64 function with async retries and an encrypted DLQ as on-failure destination', () => {
    const fn = resources[functionId]!;
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TollgateOnPushHandlerDeadLetters'), 'Arn'] },
        },
      },
    });
    for (const queue of Object.entries(resources).filter(
      ([id, resource]) => id.startsWith('TollgateOnPush') && resource.Type === 'AWS::SQS::Queue',
    )) {
      expect(queue[1].Properties.SqsManagedSseEnabled).toBe(true);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TollgateOnPushHandlerDeadLetters'), 'QueueName'] },
        },
      ],
      Threshold: 0,
    });
  });

  it('only on-push and the sweep (which starts a pipeline as on-push does) carry the scheduler settings', () => {
    const variables = (
      resources[functionId]!.Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables).toMatchObject({
      [ON_PUSH_ENV.table]: expect.anything() as unknown,
      [ON_PUSH_ENV.bus]: expect.anything() as unknown,
      [ON_PUSH_ENV.idempotencyTable]: { Ref: logicalId(onPush.idempotencyTable) },
      [ON_PUSH_ENV.scheduleGroup]: 'tollgate-scan-timeouts',
      [ON_PUSH_ENV.timeoutFunction]: { 'Fn::GetAtt': [timeoutFunctionId, 'Arn'] },
      [ON_PUSH_ENV.schedulerRole]: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
    });
    const sweepId = logicalId(stack.tollgate.reconciler.function.function);
    expect(
      (resources[sweepId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({
      [ON_PUSH_ENV.idempotencyTable]: { Ref: logicalId(onPush.idempotencyTable) },
      [ON_PUSH_ENV.schedulerRole]: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
    });
    const others = Object.entries(resources).filter(
      ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id !== functionId && id !== sweepId,
    );
    expect(others.length).toBeGreaterThan(0);
    for (const [, other] of others) {
      const env =
        (other.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {};
      expect(env[ON_PUSH_ENV.schedulerRole]).toBeUndefined();
      expect(env[ON_PUSH_ENV.idempotencyTable]).toBeUndefined();
    }
  });

  it('has a schedule group and an idempotency table that expires its records', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'tollgate-scan-timeouts' });
    expect(resources[logicalId(onPush.idempotencyTable)]!.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('On push: least privilege', () => {
  const statements = statementsOf(roleId);

  it('grants no wildcard action', () => {
    for (const statement of statements) {
      for (const action of actions(statement))
        expect(action).not.toMatch(/^(\*|ecr:\*|dynamodb:\*|scheduler:\*|iam:\*)$/);
    }
  });

  it('scopes every ECR action that takes a repository to the covered repositories', () => {
    const registryLevel = ['ecr:GetAuthorizationToken', 'ecr:GetRegistryScanningConfiguration'];
    const ecr = statements.filter((statement) =>
      actions(statement).some((action) => action.startsWith('ecr:')),
    );
    const repositoryScoped = ecr.filter((statement) =>
      actions(statement).some((a) => !registryLevel.includes(a)),
    );
    expect(repositoryScoped).toEqual([
      expect.objectContaining({
        Action: [
          'ecr:DescribeRepositories',
          'ecr:PutImageTagMutability',
          'ecr:StartImageScan',
          'ecr:DescribeImages',
          'ecr:BatchGetImage',
          'ecr:BatchDeleteImage',
          'ecr:DescribeImageScanFindings',
        ],
        Resource: [
          arn('ecr:us-west-2:123456789012:repository/payments/*'),
          arn('ecr:us-west-2:123456789012:repository/web/frontend'),
        ],
      }),
    ]);
    // `Resource: *` only for the registry-level calls, which IAM cannot scope.
    for (const statement of ecr.filter((s) => s.Resource === '*')) {
      expect(actions(statement).every((action) => registryLevel.includes(action))).toBe(true);
    }
  });

  it('grants DynamoDB on the verdict and idempotency tables only', () => {
    const dynamo = statements.filter((statement) =>
      actions(statement).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo.map((statement) => statement.Resource)).toEqual([
      [{ 'Fn::GetAtt': [expect.stringMatching(/^TollgateVerdictsTable/), 'Arn'] }],
      [{ 'Fn::GetAtt': [logicalId(onPush.idempotencyTable), 'Arn'] }],
    ]);
    expect(dynamo.flatMap(actions)).not.toEqual(
      expect.arrayContaining(['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:BatchWriteItem']),
    );
  });

  it('manages schedules in its own schedule group only', () => {
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        Resource: arn('scheduler:us-west-2:123456789012:schedule/tollgate-scan-timeouts/*'),
      }),
    );
  });

  it('may pass exactly the scheduler role, and only to EventBridge Scheduler', () => {
    const passRole = statements.filter((statement) => actions(statement).includes('iam:PassRole'));
    expect(passRole).toEqual([
      expect.objectContaining({
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    ]);
  });
});

describe('On push: the scheduler role', () => {
  it('is assumable by EventBridge Scheduler only', () => {
    expect(resources[schedulerRoleId]!.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        },
      ],
    });
  });

  it('may only invoke on-timeout', () => {
    expect(statementsOf(schedulerRoleId)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': [timeoutFunctionId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [timeoutFunctionId, 'Arn'] }, ':*']] },
        ],
      },
    ]);
  });
});
