import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { PublicKeyParameter } from '../../infra/constructs/public-key-parameter';
import { ENTRY_METADATA } from '../../infra/constructs/tollgate-function';
import { synth } from '../helpers/stack';

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const ENTRY = 'functions/public-key/handler.ts';

const readerFunction = (
  template: Template,
): { readonly id: string; readonly properties: Record<string, unknown> } => {
  const functions = template.findResources('AWS::Lambda::Function', {
    Metadata: { [ENTRY_METADATA]: ENTRY },
  });
  const ids = Object.keys(functions);
  expect(ids).toHaveLength(1);
  return {
    id: ids[0]!,
    properties: (functions[ids[0]!] as { Properties: Record<string, unknown> }).Properties,
  };
};

const statementsOfRole = (template: Template, role: string): Statement[] =>
  Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: role }]) } }),
  ).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );

const actions = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('PublicKeyParameter construct', () => {
  const { stack, template } = synth();
  const id = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const keyId = id(stack.tollgate.signingKey.key);
  const publicKey = stack.tollgate.node.findChild('PublicKey') as PublicKeyParameter;

  it('stores the PEM the custom resource returns in an SSM String parameter', () => {
    const resources = template.findResources('Custom::TollgatePublicKey');
    const [resourceId, resource] = Object.entries(resources)[0]!;
    expect(Object.keys(resources)).toHaveLength(1);
    expect((resource as { Properties: Record<string, unknown> }).Properties).toMatchObject({
      KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/tollgate/signing-public-key',
      Type: 'String',
      Tier: 'Standard',
      Value: { 'Fn::GetAtt': [resourceId, 'Pem'] },
    });
  });

  it('is served by a Tollgate function that CloudFormation invokes directly', () => {
    const { id: readerId, properties } = readerFunction(template);
    expect(properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 30 });
    template.hasResourceProperties('Custom::TollgatePublicKey', {
      ServiceToken: { 'Fn::GetAtt': [readerId, 'Arn'] },
    });
    // No CDK Provider framework function: every function in the stack is a Tollgate function with an entry.
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Metadata?: Record<string, unknown>;
    }[];
    expect(functions.every((fn) => typeof fn.Metadata?.[ENTRY_METADATA] === 'string')).toBe(true);
  });

  it('lets the reader call GetPublicKey on the signing key and nothing else in KMS', () => {
    const role = (readerFunction(template).properties.Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const kms = statementsOfRole(template, role).filter((statement) =>
      actions(statement).some((action) => action.startsWith('kms:')),
    );
    expect(kms).toEqual([
      expect.objectContaining({
        Sid: 'ReadThePublicHalfOnly',
        Effect: 'Allow',
        Action: 'kms:GetPublicKey',
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      }),
    ]);
    const wide = statementsOfRole(template, role).filter((statement) => statement.Resource === '*');
    expect(wide.flatMap(actions).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('outputs the parameter name next to the key ARN and alias', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    const byName = (fragment: string) =>
      Object.entries(outputs).find(([name]) => name.includes(fragment))?.[1];
    expect(byName('SigningPublicKeyParameter')?.Value).toEqual({ Ref: id(publicKey.parameter) });
    expect(byName('SigningKeyArn')?.Value).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(byName('SigningKeyAlias')).toBeDefined();
  });
});
