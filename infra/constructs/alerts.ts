import { Annotations, ArnFormat, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_TOPIC_ENV } from '../../shared/app/alerts/alert-messages';
import { webhookDelivery } from '../../shared/core/alerts/delivery';
import { verdictAlertPatterns } from '../../shared/core/alerts/should-alert';
import type { TollgateConfig } from '../../shared/core/config';
import { ConfigValidationError } from '../../shared/core/domain/errors';
import {
  IMAGE_VERDICT,
  TAG_VIOLATION,
  TOLLGATE_ALERT,
  TOLLGATE_SOURCE,
} from '../../shared/core/events/tollgate-detail-types';
import { TollgateFunction } from './tollgate-function';

/**
 * Sent when a webhook has no `secretName`. Not a secret: an EventBridge connection needs some
 * authorization, and this header only tells the receiver who is calling.
 */
export const ANONYMOUS_WEBHOOK_HEADER = { name: 'X-Tollgate-Source', value: 'tollgate' } as const;

export interface AlertsProps {
  readonly bus: events.EventBus;
  readonly alerts: TollgateConfig['alerts'];
  readonly environment: Readonly<Record<string, string>>;
  readonly bundledFiles: Readonly<Record<string, string>>;
  /** @default 'tollgate-alerts' */
  readonly topicName?: string;
}

/** What one configured webhook that EventBridge calls is made of. */
export interface WebhookResources {
  readonly name: string;
  readonly connection: events.Connection;
  readonly destination: events.ApiDestination;
  readonly rule: events.Rule;
}

/** The stack output `tollgate alerts test --function` takes. */
export const NOTIFY_FUNCTION_OUTPUT = 'NotifyFunctionName';

/**
 * Alerts for people and webhooks.
 *
 * EventBridge cannot run code between a rule and its target, and an input transformer cannot escape
 * a string, so a rule straight to SNS or an API destination would pass finding names and tags into
 * Slack markup and mail unescaped. Instead the alerting events go to a small function (notify),
 * which formats them (shared/app/alerts) and
 * - publishes the people's message to the `tollgate-alerts` topic (e-mail subscriptions from the config);
 * - puts one `Tollgate Alert` per webhook on the bus, already formatted; a rule per webhook sends its
 *   `detail.body` through an API destination, whose connection holds the secret from Secrets Manager.
 *   Delivery, retries and rate limits to the webhook stay EventBridge's job.
 * - except for receivers that report a refusal in a 2xx answer (Slack's Web API: `200 {"ok":false}`), or
 *   need their credential in the body (PagerDuty) or their answer read (Sysdig): an API destination would
 *   count those as delivered. Their `Tollgate Alert` events come back to notify (rule `DeliveredAlerts`),
 *   which calls the receiver with the token from Secrets Manager, checks the answer and throws on a
 *   refusal: Lambda retries, then the event waits in notify's DLQ; `AlertsFailed` counts each failure and
 *   alarms (infra/constructs/operations.ts).
 */
export class Alerts extends Construct {
  /** Customer managed: CloudWatch alarms cannot publish to a topic under the AWS managed SNS key. */
  public readonly key: kms.Key;
  public readonly topic: sns.Topic;
  /** Absent when the config makes nothing alert. */
  public readonly notify?: TollgateFunction;
  /** The rules that feed the notifier. */
  public readonly rules: readonly events.Rule[];
  /** The webhooks EventBridge calls, through an API destination. */
  public readonly webhooks: readonly WebhookResources[];
  /** The webhooks notify calls itself (Slack chat.postMessage, Sysdig, PagerDuty), by name. */
  public readonly deliveredByNotify: readonly string[];
  /** Events the rules here could not deliver after their retries. */
  public readonly ruleDeadLetters: sqs.Queue;

  public constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the Tollgate alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // What CloudWatch needs to publish alarm notifications to a topic encrypted with this key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName ?? 'tollgate-alerts',
      displayName: 'Tollgate alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.alerts.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.ruleDeadLetters = new sqs.Queue(this, 'RuleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const retry = { deadLetterQueue: this.ruleDeadLetters, retryAttempts: 8, maxEventAge: Duration.hours(2) };

    const direct = props.alerts.webhooks.filter((webhook) => webhookDelivery(webhook) === 'notify');
    const viaApiDestination = props.alerts.webhooks.filter(
      (webhook) => webhookDelivery(webhook) === 'api-destination',
    );
    // A PagerDuty receiver resolves an image's alert on its next plain APPROVED verdict.
    const resolveOnApproval = props.alerts.webhooks.some((webhook) => webhook.format === 'pagerduty');
    const verdictPatterns = verdictAlertPatterns({ ...props.alerts, resolveOnApproval });
    const alerting: {
      readonly id: string;
      readonly description: string;
      readonly pattern: events.EventPattern;
    }[] = [];
    if (verdictPatterns.length > 0) {
      alerting.push({
        id: 'VerdictAlerts',
        description: `Verdicts ${props.alerts.verdicts.join(', ')}${props.alerts.verdicts.includes('REJECTED') ? ', warn-mode warnings' : ''}${resolveOnApproval ? ', approvals (PagerDuty resolves)' : ''} → Tollgate notify`,
        pattern: {
          source: [TOLLGATE_SOURCE],
          detailType: [IMAGE_VERDICT],
          detail: verdictPatterns.length === 1 ? (verdictPatterns[0] ?? {}) : { $or: verdictPatterns },
        },
      });
    }
    if (props.alerts.tagViolations) {
      alerting.push({
        id: 'TagViolationAlerts',
        description: 'Tag violations → Tollgate notify',
        pattern: { source: [TOLLGATE_SOURCE], detailType: [TAG_VIOLATION] },
      });
    }
    if (alerting.length > 0 && direct.length > 0) {
      alerting.push({
        id: 'DeliveredAlerts',
        description: `Formatted Tollgate alerts for ${direct.map((webhook) => webhook.name).join(', ')} → notify, which delivers them and checks the answer`,
        pattern: {
          source: [TOLLGATE_SOURCE],
          detailType: [TOLLGATE_ALERT],
          detail: { channel: direct.map((webhook) => webhook.name) },
        },
      });
    }

    const rules: events.Rule[] = [];
    if (alerting.length > 0) {
      const notify = new TollgateFunction(this, 'Notify', {
        entry: 'functions/notify/handler.ts',
        description: 'Tollgate notify: format alerting verdicts and tag violations for people and webhooks',
        environment: { ...props.environment, [ALERT_TOPIC_ENV]: this.topic.topicArn },
        bundledFiles: props.bundledFiles,
        timeout: Duration.seconds(30),
        memorySize: 256,
      });
      this.topic.grantPublish(notify.function);
      props.bus.grantPutEventsTo(notify.function);
      // The receivers' tokens: read to deliver (chat.postMessage, Sysdig, PagerDuty), and for `tollgate alerts
      // test` to probe the receivers behind an API destination with the header their connection sends.
      const secretNames = [
        ...new Set(props.alerts.webhooks.flatMap((webhook) => webhook.secretName ?? [])),
      ].sort();
      if (secretNames.length > 0) {
        notify.function.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: secretNames.map((name) => secretArn(this, name)),
          }),
        );
      }
      this.notify = notify;
      const output = new CfnOutput(this, 'NotifyFunctionName', {
        value: notify.function.functionName,
        description: 'The notifier: tollgate alerts test --function <NotifyFunctionName>',
      });
      output.overrideLogicalId(NOTIFY_FUNCTION_OUTPUT);
      const target = new targets.LambdaFunction(notify.function, retry);
      for (const { id: ruleId, description, pattern } of alerting) {
        rules.push(
          ignoreReplays(
            new events.Rule(this, ruleId, {
              eventBus: props.bus,
              description,
              eventPattern: pattern,
              targets: [target],
            }),
          ),
        );
      }
    }
    this.rules = rules;

    assertUniqueNames(props.alerts.webhooks);
    this.deliveredByNotify = direct.map((webhook) => webhook.name);
    this.webhooks = viaApiDestination.map((webhook) => {
      if (!webhook.url.startsWith('https://')) {
        Annotations.of(this).addWarningV2(
          'tollgate:webhook-not-https',
          `Webhook ${webhook.name}: EventBridge API destinations call HTTPS endpoints only; ${webhook.url} will fail to deploy`,
        );
      }
      const connection = new events.Connection(this, `Connection-${webhook.name}`, {
        description: `Tollgate alerts to ${webhook.name}`,
        // A dynamic reference: CloudFormation resolves it at deploy time, the template holds only the name.
        authorization:
          webhook.secretName === undefined
            ? events.Authorization.apiKey(
                ANONYMOUS_WEBHOOK_HEADER.name,
                SecretValue.unsafePlainText(ANONYMOUS_WEBHOOK_HEADER.value),
              )
            : events.Authorization.apiKey('Authorization', SecretValue.secretsManager(webhook.secretName)),
      });
      const destination = new events.ApiDestination(this, `Destination-${webhook.name}`, {
        description: `Tollgate alerts to ${webhook.name} (${webhook.format})`,
        connection,
        endpoint: webhook.url,
        httpMethod: events.HttpMethod.POST,
        // Slack accepts about one message per second per webhook; EventBridge queues the rest.
        rateLimitPerSecond: webhook.format === 'slack' ? 1 : 10,
      });
      const rule = ignoreReplays(
        new events.Rule(this, `Webhook-${webhook.name}`, {
          eventBus: props.bus,
          description: `Formatted Tollgate alerts for ${webhook.name} → its API destination`,
          eventPattern: {
            source: [TOLLGATE_SOURCE],
            detailType: [TOLLGATE_ALERT],
            detail: { channel: [webhook.name] },
          },
          targets: [
            // The class is the interface; the cast only bridges exactOptionalPropertyTypes in CDK's typings.
            new targets.ApiDestination(destination as events.IApiDestination, {
              // The notifier formatted the body for this webhook; the event's envelope is not sent.
              event: events.RuleTargetInput.fromEventPath('$.detail.body'),
              ...retry,
            }),
          ],
        }),
      );
      return { name: webhook.name, connection, destination, rule };
    });
  }
}

/**
 * Replays from the archive are for audit and downstream consumers: an alert already went out when
 * the event was new. EventBridge marks replayed events with `replay-name`, which CDK's EventPattern
 * type does not name, hence the override.
 */
const ignoreReplays = (rule: events.Rule): events.Rule => {
  (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [
    { exists: false },
  ]);
  return rule;
};

/**
 * The ARN a secret name grants: Secrets Manager appends six random characters to a secret's name in its ARN.
 * A full ARN is taken as it is.
 */
const secretArn = (scope: Construct, name: string): string =>
  name.startsWith('arn:')
    ? name
    : Stack.of(scope).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${name}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });

/** Names become construct ids and `detail.channel` values: two webhooks may not share one. */
const assertUniqueNames = (webhooks: readonly { readonly name: string }[]): void => {
  const seen = new Set<string>();
  for (const [index, { name }] of webhooks.entries()) {
    if (seen.has(name)) {
      throw new ConfigValidationError([
        { field: `alerts.webhooks.${index}.name`, message: `webhook name ${name} is used twice` },
      ]);
    }
    seen.add(name);
  }
};
