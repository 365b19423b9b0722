import { LocalStackError } from '../../../local/errors';
import { IntrinsicResolver } from '../../../local/template/intrinsics';
import { physicalResources } from '../../../local/template/physical';
import { LOCAL_ENVIRONMENT, type CfnTemplate } from '../../../local/template';

const template: CfnTemplate = {
  Parameters: { BootstrapVersion: { Default: '/cdk-bootstrap/hnb659fds/version' } },
  Resources: {
    Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    Named: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'verdicts' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'tollgate' } },
    Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
  },
};

const resolver = new IntrinsicResolver(
  template,
  LOCAL_ENVIRONMENT,
  physicalResources(template, LOCAL_ENVIRONMENT),
);
const resolve = (value: unknown): unknown => resolver.resolve(value, 'test');

describe('IntrinsicResolver', () => {
  it('resolves Ref to the physical name, or the name the template sets', () => {
    expect(resolve({ Ref: 'Table' })).toBe('Table');
    expect(resolve({ Ref: 'Named' })).toBe('verdicts');
    expect(resolve({ Ref: 'Bus' })).toBe('tollgate');
    expect(resolve({ Ref: 'BootstrapVersion' })).toBe('/cdk-bootstrap/hnb659fds/version');
  });

  it('resolves pseudo parameters to the local account and region', () => {
    expect(
      resolve({
        'Fn::Join': [
          ':',
          ['arn', { Ref: 'AWS::Partition' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }],
        ],
      }),
    ).toBe('arn:aws:us-east-1:000000000000');
  });

  it('resolves Fn::GetAtt in both forms', () => {
    expect(resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('arn:aws:sqs:us-east-1:000000000000:Queue');
    expect(resolve({ 'Fn::GetAtt': 'Named.Arn' })).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/verdicts',
    );
    expect(resolve({ 'Fn::GetAtt': ['Alarm', 'Arn'] })).toBe(
      'arn:aws:cloudwatch:us-east-1:000000000000:Alarm',
    );
  });

  it('resolves Fn::Sub with resources, attributes, pseudo parameters and its own variables', () => {
    expect(resolve({ 'Fn::Sub': '${AWS::Region}/${Named}/${Queue.Arn}' })).toBe(
      'us-east-1/verdicts/arn:aws:sqs:us-east-1:000000000000:Queue',
    );
    expect(resolve({ 'Fn::Sub': ['${X}-${Bus}', { X: { Ref: 'Named' } }] })).toBe('verdicts-tollgate');
  });

  it('resolves Fn::Select and Fn::Split', () => {
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
  });

  it('drops AWS::NoValue from objects and lists', () => {
    expect(resolve({ a: { Ref: 'AWS::NoValue' }, b: [1, { Ref: 'AWS::NoValue' }, 2] })).toEqual({
      b: [1, 2],
    });
  });

  it('refuses what it cannot resolve, saying where', () => {
    expect(() => resolve({ Ref: 'Missing' })).toThrow(LocalStackError);
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'x' }, 'Fn.Environment.Variables.X')).toThrow(
      /Fn\.Environment\.Variables\.X: Fn::ImportValue is not supported/,
    );
    expect(() => resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toThrow(/attribute not modelled locally/);
  });
});
