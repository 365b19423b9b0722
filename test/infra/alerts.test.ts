import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigValidationError } from '../../shared/core/domain';
import { baseConfig, synth } from '../helpers/stack';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resources = (template: Template, type: string): Resources => template.findResources(type) as Resources;

const webhooks = [
  {
    name: 'security-slack',
    url: 'https://hooks.slack.com/services/T0/B0/xyz',
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
      expect.arrayContaining([
        'sns:Publish',
        ['kms:Decrypt', 'kms:GenerateDataKey*'],
        'events:PutEvents',
        'secretsmanager:GetSecretValue',
      ]),
    );
    // Only the configured secrets (for `tollgate alerts test`'s probe of the API destination receivers).
    expect(
      statements.find((statement) => statement.Action === 'secretsmanager:GetSecretValue')?.Resource,
    ).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':secretsmanager:us-west-2:123456789012:secret:tollgate/slack-bot-token-??????',
        ],
      ],
    });
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
      InvocationEndpoint: 'https://hooks.slack.com/services/T0/B0/xyz',
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

describe('receivers notify delivers itself: Slack chat.postMessage, Sysdig, PagerDuty', () => {
  const direct = [
    {
      name: 'security-slack',
      url: 'https://slack.com/api/chat.postMessage',
      format: 'slack' as const,
      channel: 'C0SECURITY',
      secretName: 'tollgate/slack-bot',
    },
    {
      name: 'sysdig',
      url: 'https://us2.app.sysdig.com/api/v2/events/',
      format: 'sysdig' as const,
      secretName: 'tollgate/sysdig',
    },
    {
      name: 'pagerduty',
      url: 'https://events.pagerduty.com/v2/enqueue',
      format: 'pagerduty' as const,
      secretName: 'tollgate/pagerduty',
    },
    { name: 'hooks', url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' as const },
  ];
  const { template, stack } = synth(baseConfig({ alerts: { webhooks: direct } }));
  const notifyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsNotifyFunction'), 'Arn'] };

  it('gives them no API destination (which would count a 200 ok:false as delivered), only the incoming webhook', () => {
    expect(stack.tollgate.alerts.webhooks.map((webhook) => webhook.name)).toEqual(['hooks']);
    expect(stack.tollgate.alerts.deliveredByNotify).toEqual(['security-slack', 'sysdig', 'pagerduty']);
    template.resourceCountIs('AWS::Events::ApiDestination', 1);
    template.resourceCountIs('AWS::Events::Connection', 1);
  });

  it('routes their Tollgate Alert events back to notify, which retries, then dead-letters', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['tollgate'],
        'detail-type': ['Tollgate Alert'],
        detail: { channel: ['security-slack', 'sysdig', 'pagerduty'] },
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
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('AlertsNotifyFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('routes approvals to notify too, so PagerDuty resolves an image’s alert', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['Tollgate Image Verdict'],
        detail: { verdict: ['APPROVED', 'ERROR', 'REJECTED', 'REVOKED'] },
      }),
    });
  });

  it('lets notify read exactly the configured secrets', () => {
    const statements = Object.entries(resources(template, 'AWS::IAM::Policy'))
      .filter(([id]) => id.includes('AlertsNotify'))
      .flatMap(
        ([, policy]) =>
          (policy.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
            .Statement,
      );
    const secrets = statements.find((statement) => statement.Action === 'secretsmanager:GetSecretValue')!;
    expect(JSON.stringify(secrets.Resource)).toContain('secret:tollgate/pagerduty-??????');
    expect((secrets.Resource as unknown[]).length).toBe(3);
  });

  it('names the notifier in a stack output, for tollgate alerts test', () => {
    template.hasOutput('NotifyFunctionName', {
      Value: { Ref: Match.stringLikeRegexp('AlertsNotifyFunction') },
    });
  });

  it('alarms on AlertsFailed, to the alert topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('alert receiver'),
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: [
        Match.objectLike({
          Expression: 'SELECT SUM(AlertsFailed) FROM SCHEMA(Tollgate, "function", service)',
        }),
      ],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlertsTopic') }],
    });
  });
});

describe('webhook configuration is validated at synth', () => {
  const failure = (webhook: Record<string, unknown>): ConfigValidationError => {
    try {
      synth(baseConfig({ alerts: { webhooks: [webhook as never] } }));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      return error as ConfigValidationError;
    }
    throw new Error('synth succeeded');
  };

  it('refuses a chat.postMessage URL without a channel, naming the field', () => {
    const error = failure({
      name: 'chat',
      url: 'https://slack.com/api/chat.postMessage',
      format: 'slack',
      secretName: 'tollgate/slack-bot',
    });
    expect(error.field).toBe('alerts.webhooks.0.channel');
    expect(error.message).toContain('channel_not_found');
  });

  it('refuses chat.postMessage, sysdig and pagerduty without a secret', () => {
    expect(
      failure({ name: 'chat', url: 'https://slack.com/api/chat.postMessage', format: 'slack', channel: 'C1' })
        .field,
    ).toBe('alerts.webhooks.0.secretName');
    expect(
      failure({ name: 'pd', url: 'https://events.pagerduty.com/v2/enqueue', format: 'pagerduty' }).message,
    ).toContain('routing key');
    expect(
      failure({ name: 'sd', url: 'https://app.sysdig.com/api/v2/events/', format: 'sysdig' }).field,
    ).toBe('alerts.webhooks.0.secretName');
  });

  it('refuses a channel on a format that has none, and a malformed channel', () => {
    expect(failure({ name: 'j', url: 'https://example.com/x', format: 'json', channel: 'C1' }).field).toBe(
      'alerts.webhooks.0.channel',
    );
    expect(
      failure({
        name: 'chat',
        url: 'https://slack.com/api/chat.postMessage',
        format: 'slack',
        channel: '<!channel>',
        secretName: 's',
      }).field,
    ).toBe('alerts.webhooks.0.channel');
  });

  it('accepts an incoming webhook without a channel or a secret', () => {
    expect(() =>
      synth(
        baseConfig({
          alerts: {
            webhooks: [{ name: 'hook', url: 'https://hooks.slack.com/services/x', format: 'slack' }],
          },
        }),
      ),
    ).not.toThrow();
  });
});
