import { Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { SIGNER_REPOSITORY_ACTIONS } from '../../infra/constructs/signer';
import { allowSigningBy, SigningGrantError, SigningKey } from '../../infra/constructs/signing-key';
import { ENTRY_METADATA } from '../../infra/constructs/tollgate-function';
import { baseConfig, synth } from '../helpers/stack';

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const ENTRY = 'functions/sign/handler.ts';

const signFunction = (
  template: Template,
): { readonly id: string; readonly properties: Record<string, unknown> } => {
  const functions = template.findResources('AWS::Lambda::Function', {
    Metadata: { [ENTRY_METADATA]: ENTRY },
  });
  const ids = Object.keys(functions);
  expect(ids).toHaveLength(1);
  const id = ids[0]!;
  return { id, properties: (functions[id] as { Properties: Record<string, unknown> }).Properties };
};

/** Every statement of every policy attached to the sign function's role. */
const signStatements = (template: Template): Statement[] => {
  const role = (signFunction(template).properties.Role as { 'Fn::GetAtt': [string, string] })[
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

const actions = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('Signer construct', () => {
  const { stack, template } = synth();
  const { tollgate } = stack;
  const id = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const ids = {
    key: id(tollgate.signingKey.key),
    table: id(tollgate.verdictTable.table),
    bus: id(tollgate.bus),
  };

  it('runs the sign handler on Node.js 24, arm64, with the Tollgate environment', () => {
    const { properties } = signFunction(template);
    expect(properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
    const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.TOLLGATE_SIGNING_KEY_ID).toEqual({
      'Fn::GetAtt': [ids.key, 'Arn'],
    });
    expect(variables.TOLLGATE_TABLE_NAME).toEqual({ Ref: ids.table });
    expect(variables.TOLLGATE_BUS_NAME).toEqual({ Ref: ids.bus });
    expect(typeof variables.TOLLGATE_CONFIG).toBe('string');
  });

  it('is triggered by Tollgate Signing Requested on the tollgate bus only, with a DLQ and a retry policy', () => {
    const { id } = signFunction(template);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: ids.bus },
      EventPattern: { source: ['tollgate'], 'detail-type': ['Tollgate Signing Requested'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id, 'Arn'] },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SignerRuleDeadLetters'), 'Arn'] },
          },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
    // Failed invocations (after Lambda's own retries) land in the function's dead-letter queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('reads the signing public key through IAM; kms:Sign is not in its identity policy (the key policy grants it)', () => {
    // The role's one Deny (kms:Sign from anything but this function) is asserted in test/infra/security.test.ts.
    const kms = signStatements(template).filter(
      (statement) =>
        statement.Effect === 'Allow' && actions(statement).some((action) => action.startsWith('kms:')),
    );
    expect(kms).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'kms:GetPublicKey',
        Resource: { 'Fn::GetAtt': [ids.key, 'Arn'] },
      }),
    ]);
  });

  it('reaches signature storage only in the covered repositories, and nothing but the token registry-wide', () => {
    const statements = signStatements(template);
    const repository = statements.find((statement) => actions(statement).includes('ecr:PutImage'));
    expect(actions(repository!).sort()).toEqual([...SIGNER_REPOSITORY_ACTIONS].sort());
    expect(actions(repository!)).toContain('ecr:BatchDeleteImage');
    const arns = repository!.Resource as unknown[];
    expect(arns).toHaveLength(2);
    expect(JSON.stringify(arns)).toContain(':repository/payments/*');
    expect(JSON.stringify(arns)).toContain(':repository/web/frontend');

    const registryWide = statements.filter(
      (statement) => statement.Effect === 'Allow' && statement.Resource === '*',
    );
    const wideActions = registryWide.flatMap(actions).sort();
    // X-Ray's two actions come with active tracing and have no resource either; Inspector's ListFindings
    // (reading enhanced findings when an approval from an older policy is judged again) has none.
    expect(wideActions).toEqual([
      'ecr:GetAuthorizationToken',
      'inspector2:ListFindings',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('publishes on the tollgate bus only, and only reads and updates verdict records', () => {
    const statements = signStatements(template);
    const events = statements.filter((statement) =>
      actions(statement).some((action) => action.startsWith('events:')),
    );
    expect(events).toEqual([
      expect.objectContaining({
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [ids.bus, 'Arn'] },
      }),
    ]);
    const dynamo = statements.filter((statement) =>
      actions(statement).some((action) => action.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [ids.table, 'Arn'] },
      }),
    ]);
  });

  it('covering every repository still names repositories, never Resource "*"', () => {
    const wide = synth(baseConfig({ repositories: ['*'] })).template;
    const repository = signStatements(wide).find((statement) => actions(statement).includes('ecr:PutImage'));
    expect(JSON.stringify(repository!.Resource)).toContain(':repository/*');
    expect(repository!.Resource).not.toBe('*');
  });
});

describe('allowSigningBy', () => {
  const role = (stack: Stack, id: string): iam.Role =>
    new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

  it('refuses an imported key, whose policy it cannot add the signer to', () => {
    const stack = new Stack();
    const imported = kms.Key.fromKeyArn(
      stack,
      'Imported',
      'arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555',
    );
    expect(() => allowSigningBy(imported, role(stack, 'Signer'))).toThrow(SigningGrantError);
  });

  it('refuses a second signer: the Deny names one role', () => {
    const stack = new Stack();
    const { key } = new SigningKey(stack, 'Signing');
    allowSigningBy(key, role(stack, 'First'));
    expect(() => allowSigningBy(key, role(stack, 'Second'))).toThrow(/already has its signer/);
  });
});
