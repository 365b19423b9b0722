import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigValidationError } from '../../shared/core/domain';
import { baseConfig, synth } from '../helpers/stack';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resources = (template: Template, type: string): Resources => template.findResources(type) as Resources;

const webhooks = [
  {
    name: 'security-slack',
    url: 'https://slack.com/api/chat.postMessage',
    format: 'slack' as const,
    secretName: 'tollgate/slack-bot-token',
  },
  { name: 'pager', url: 'https://events.example.com/v2/enqueue', format: 'json' as const },
];

describe('Alerts: topic, notifier and rules', () => {
  const { template, stack } = synth(
    baseConfig({ alerts: { emails: ['security@example.com', 'oncall@example.com'], webhooks } }),
  );
  const topicKey = Object.keys(resources(template, 'AWS::SNS::Topic'))[0]!;
  const notifyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsNotifyFunction'), 'Arn'] };

  it('creates the tollgate-alerts topic, encrypted with a rotating customer managed key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'tollgate-alerts',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    // Only TLS publishers.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the configured e-mail addresses', () => {
    for (const email of ['security@example.com', 'oncall@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: topicKey },
      });
    }
  });

  it('sends REJECTED, ERROR and REVOKED verdicts, and warn-mode approvals, to the notifier; never replays', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('TollgateBus') },
      EventPattern: {
        source: ['tollgate'],
        'detail-type': ['Tollgate Image Verdict'],
        detail: {
          $or: [{ verdict: ['ERROR', 'REJECTED', 'REVOKED'] }, { verdict: ['APPROVED'], mode: ['warn'] }],
        },
        'replay-name': [{ exists: false }],
      },
      Targets: [
        Match.objectLike({
          Arn: notifyArn,
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsRuleDeadLetters'), 'Arn'] },
          },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  it('sends tag violations to the notifier', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['tollgate'],
        'detail-type': ['Tollgate Tag Violation'],
        'replay-name': [{ exists: false }],
      },
      Targets: [
        Match.objectLike({
          Arn: notifyArn,
          RetryPolicy: Match.anyValue(),
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('lets the notifier publish to the topic (and use its key) and put events on the bus, nothing more', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Tollgate notify'),
      Environment: { Variables: Match.objectLike({ TOLLGATE_ALERT_TOPIC_ARN: { Ref: topicKey } }) },
    });
    const policies = Object.entries(resources(template, 'AWS::IAM::Policy')).filter(([id]) =>
      id.includes('AlertsNotify'),
    );
    expect(policies).toHaveLength(1);
    const statements = (
      policies[0]![1].Properties!.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      }
    ).Statement;
    expect(statements.map((statement) => statement.Action)).toEqual(
      expect.arrayContaining(['sns:Publish', ['kms:Decrypt', 'kms:GenerateDataKey*'], 'events:PutEvents']),
    );
    expect(statements.find((statement) => statement.Action === 'sns:Publish')?.Resource).toEqual({
      Ref: topicKey,
    });
  });

  it('gives each webhook a connection whose secret is a Secrets Manager reference, never a value', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'Authorization',
          ApiKeyValue: '{{resolve:secretsmanager:tollgate/slack-bot-token:SecretString:::}}',
        },
      },
    });
    // A webhook without a secret sends a fixed, public marker header.
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'X-Tollgate-Source', ApiKeyValue: 'tollgate' } },
    });
    expect(Object.keys(resources(template, 'AWS::SecretsManager::Secret'))).toHaveLength(0);
    const values = Object.values(resources(template, 'AWS::Events::Connection')).map(
      (connection) =>
        (connection.Properties!.AuthParameters as { ApiKeyAuthParameters: { ApiKeyValue: string } })
          .ApiKeyAuthParameters.ApiKeyValue,
    );
    expect(values.sort()).toEqual([
      'tollgate',
      '{{resolve:secretsmanager:tollgate/slack-bot-token:SecretString:::}}',
    ]);
  });

  it('posts each webhook its formatted body through an API destination, with a DLQ and retries', () => {
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://slack.com/api/chat.postMessage',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 1,
      ConnectionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ConnectionsecurityslackConnection'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://events.example.com/v2/enqueue',
    });
    for (const { name } of webhooks) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['tollgate'],
          'detail-type': ['Tollgate Alert'],
          detail: { channel: [name] },
          'replay-name': [{ exists: false }],
        },
        Targets: [
          Match.objectLike({
            InputPath: '$.detail.body',
            DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
            RoleArn: Match.anyValue(),
          }),
        ],
      });
    }
  });

  it('gives every rule target in the stack a DLQ and a retry policy, and encrypts every queue', () => {
    for (const [id, rule] of Object.entries(resources(template, 'AWS::Events::Rule'))) {
      for (const target of rule.Properties!.Targets as Record<string, unknown>[]) {
        const { Arn: deadLetters } = (target.DeadLetterConfig ?? {}) as { Arn?: unknown };
        const { MaximumRetryAttempts: retries } = (target.RetryPolicy ?? {}) as {
          MaximumRetryAttempts?: unknown;
        };
        expect({ id, deadLetters: deadLetters !== undefined, retries: typeof retries }).toEqual({
          id,
          deadLetters: true,
          retries: 'number',
        });
      }
    }
    for (const queue of Object.values(resources(template, 'AWS::SQS::Queue'))) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
    expect(stack.tollgate.alerts.webhooks.map((webhook) => webhook.name)).toEqual([
      'security-slack',
      'pager',
    ]);
  });
});

describe('Alerts follow the config', () => {
  it('alerts only on the configured verdicts, without the warn-mode pattern when REJECTED is off', () => {
    const { template } = synth(baseConfig({ alerts: { verdicts: ['ERROR'], tagViolations: false } }));
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['Tollgate Image Verdict'],
        detail: { verdict: ['ERROR'] },
      }),
    });
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: Match.objectLike({ 'detail-type': ['Tollgate Tag Violation'] }) },
      0,
    );
  });

  it('creates no notifier when nothing alerts, but keeps the topic for alarms', () => {
    const { template, stack } = synth(baseConfig({ alerts: { verdicts: [], tagViolations: false } }));
    expect(stack.tollgate.alerts.notify).toBeUndefined();
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Description: Match.stringLikeRegexp('notify') },
      0,
    );
    template.resourceCountIs('AWS::SNS::Topic', 1);
  });

  it('refuses two webhooks with one name', () => {
    const twice = { name: 'chat', url: 'https://hooks.example.com/a', format: 'slack' as const };
    expect(() => synth(baseConfig({ alerts: { webhooks: [twice, twice] } }))).toThrow(ConfigValidationError);
  });
});
