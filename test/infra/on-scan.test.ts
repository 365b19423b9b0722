import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ENTRY_METADATA } from '../../infra/constructs/tollgate-function';
import { baseConfig, synth } from '../helpers/stack';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const actions = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

const functionOf = (
  template: Template,
  entry: string,
): { id: string; properties: Record<string, unknown> } => {
  const found = template.findResources('AWS::Lambda::Function', { Metadata: { [ENTRY_METADATA]: entry } });
  const ids = Object.keys(found);
  expect(ids).toHaveLength(1);
  const id = ids[0]!;
  return { id, properties: (found[id] as { Properties: Record<string, unknown> }).Properties };
};

const statementsOf = (template: Template, entry: string): Statement[] => {
  const role = (functionOf(template, entry).properties.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: role }]) },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
};

const repositoryArn = (name: string): unknown => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-west-2:123456789012:repository/${name}`]],
});

describe('OnScan construct', () => {
  const { stack, template } = synth();
  const { tollgate } = stack;
  const id = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const onScan = functionOf(template, 'functions/on-scan/handler.ts');

  it('runs functions/on-scan with the config, the bundled policy, the table and the bus', () => {
    expect(onScan.properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: expect.objectContaining({
          TOLLGATE_CONFIG: expect.stringContaining('"repositories":["payments/*","web/frontend"]') as unknown,
          TOLLGATE_POLICY_FILE: 'tollgate.policy.yaml',
          TOLLGATE_TABLE_NAME: { Ref: id(tollgate.verdictTable.table) },
          TOLLGATE_BUS_NAME: { Ref: id(tollgate.bus) },
        }) as unknown,
      },
    });
    // Asynchronous invocations that fail their retries land in the function's DLQ.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: onScan.id },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  const target = {
    Arn: { 'Fn::GetAtt': [onScan.id, 'Arn'] },
    DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(tollgate.onScan.ruleDeadLetterQueue), 'Arn'] } },
    RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
  };

  it('routes ECR Image Scan of any status, for covered repositories only, from the default bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecr'],
        account: ['123456789012'],
        'detail-type': ['ECR Image Scan'],
        detail: { 'repository-name': [{ wildcard: 'payments/*' }, 'web/frontend'] },
      },
      EventBusName: Match.absent(),
      Targets: [Match.objectLike(target)],
    });
  });

  it('routes Inspector2 Scan INITIAL_SCAN_COMPLETE, matching the repository by its ARN', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.inspector2'],
        account: ['123456789012'],
        'detail-type': ['Inspector2 Scan'],
        detail: {
          'scan-status': ['INITIAL_SCAN_COMPLETE'],
          'repository-name': [{ wildcard: repositoryArn('payments/*') }, repositoryArn('web/frontend')],
        },
      },
      EventBusName: Match.absent(),
      Targets: [Match.objectLike(target)],
    });
  });

  it('routes ACTIVE Inspector2 Findings on container images of covered repositories', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.inspector2'],
        account: ['123456789012'],
        'detail-type': ['Inspector2 Finding'],
        detail: {
          status: ['ACTIVE'],
          awsAccountId: ['123456789012'],
          resources: {
            type: ['AWS_ECR_CONTAINER_IMAGE'],
            details: {
              awsEcrContainerImage: { repositoryName: [{ wildcard: 'payments/*' }, 'web/frontend'] },
            },
          },
        },
      },
      Targets: [Match.objectLike(target)],
    });
  });

  it('keeps undeliverable rule events in an encrypted DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const { Resources } = template.toJSON() as { Resources: Record<string, unknown> };
    expect(Resources[id(tollgate.onScan.ruleDeadLetterQueue)]).toBeDefined();
  });

  describe.each(['functions/on-scan/handler.ts', 'functions/on-timeout/handler.ts'])('IAM of %s', (entry) => {
    const statements = statementsOf(template, entry);
    const allActions = statements.flatMap(actions);

    it('reads scan findings of the covered repositories only', () => {
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'ecr:DescribeImageScanFindings',
        Resource: [repositoryArn('payments/*'), repositoryArn('web/frontend')],
      });
      // Enhanced findings come through Inspector, whose ListFindings has no resource-level permissions.
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'inspector2:ListFindings',
        Resource: '*',
      });
    });

    it('reads and conditionally updates records of the verdict table, and nothing else there', () => {
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [{ 'Fn::GetAtt': [id(tollgate.verdictTable.table), 'Arn'] }],
      });
      expect(allActions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
      ]);
    });

    it('puts events on the Tollgate bus only', () => {
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [id(tollgate.bus), 'Arn'] },
      });
    });

    it('has no wildcard action and no Resource * beyond X-Ray and Inspector', () => {
      expect(allActions.filter((action) => action.endsWith(':*') || action === '*')).toEqual([]);
      const unscoped = statements.filter((statement) => statement.Resource === '*').flatMap(actions);
      expect(unscoped.sort()).toEqual([
        'inspector2:ListFindings',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
      expect(allActions.filter((action) => action.startsWith('ecr:'))).toEqual([
        'ecr:DescribeImageScanFindings',
      ]);
    });
  });

  it('with `*` covered, names every repository of the account and region, never Resource *', () => {
    const all = synth(baseConfig({ repositories: ['*'] })).template;
    const findings = statementsOf(all, 'functions/on-scan/handler.ts').find((statement) =>
      actions(statement).includes('ecr:DescribeImageScanFindings'),
    );
    expect(findings?.Resource).toEqual(repositoryArn('*'));
    all.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['ECR Image Scan'],
        detail: { 'repository-name': [{ wildcard: '*' }] },
      }),
    });
  });
});
