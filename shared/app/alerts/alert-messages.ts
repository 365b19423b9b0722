import { FUNCTION_ENV } from '../../core/env-contract';
import { TOLLGATE_ALERT } from '../../core/events/tollgate-detail-types';
import type { OutgoingEvent } from '../ports/event-publisher';
import type { Alert } from '../../core/alerts/alert';
import { webhookDelivery, type WebhookDelivery, type WebhookFormat } from '../../core/alerts/delivery';
import { renderJson, type AlertJsonBody } from '../../core/alerts/render-json';
import { renderPagerDuty, type PagerDutyEvent } from '../../core/alerts/render-pagerduty';
import { renderSlack, type SlackMessage } from '../../core/alerts/render-slack';
import { renderSysdig, type SysdigEventBody } from '../../core/alerts/render-sysdig';
import { renderText } from '../../core/alerts/render-text';

export type { WebhookFormat, WebhookDelivery };

/** One entry of `alerts.webhooks`, as the notifier needs it. */
export interface AlertWebhook {
  /** The config's webhook name: the `detail.channel` its rule matches. */
  readonly name: string;
  readonly format: WebhookFormat;
  /** Where it is called. Needed by the notifier to deliver or probe it; @default unknown (an API destination) */
  readonly url?: string;
  /** Slack `chat.postMessage`: the channel the message goes to. */
  readonly channel?: string;
  /** The Secrets Manager secret of its credential. */
  readonly secretName?: string;
}

/** The body of a `Tollgate Alert`: what the receiver gets, less the credential notify adds when it sends it. */
export type WebhookBody = SlackMessage | AlertJsonBody | SysdigEventBody | PagerDutyEvent;

/** The webhook's body for an alert. Pure. */
export const webhookBody = (alert: Alert, webhook: AlertWebhook): WebhookBody => {
  switch (webhook.format) {
    case 'slack': {
      const message = renderSlack(alert);
      // chat.postMessage needs the channel; an incoming webhook has its own and ignores it.
      return webhook.channel === undefined ? message : { channel: webhook.channel, ...message };
    }
    case 'json':
      return renderJson(alert);
    case 'sysdig':
      return renderSysdig(alert);
    case 'pagerduty':
      return renderPagerDuty(alert);
  }
};

/** Who calls the webhook: notify itself, or an EventBridge API destination. */
export const deliveryOf = (webhook: AlertWebhook): WebhookDelivery => webhookDelivery(webhook);

export const ALERT_EVENT_SCHEMA_VERSION = '1.0' as const;

/** The detail of a `Tollgate Alert` event: one per webhook, already formatted for it. */
export interface AlertEventDetail {
  readonly schemaVersion: typeof ALERT_EVENT_SCHEMA_VERSION;
  readonly channel: string;
  readonly format: WebhookFormat;
  readonly kind: Alert['kind'];
  readonly status: string;
  /**
   * Sent as the request body: as it is through an API destination (input path `$.detail.body`); by notify
   * with the credential added (PagerDuty's `routing_key`) for the webhooks notify delivers itself.
   */
  readonly body: WebhookBody;
}

/**
 * One `Tollgate Alert` per webhook. EventBridge cannot run code between a rule and an API
 * destination, and an input transformer cannot escape; so the body is formatted here and the
 * destination's rule only picks it out of the event. The webhooks notify delivers itself get one too,
 * routed back to notify: each channel is then retried and dead-lettered on its own.
 */
export const alertEvents = (alert: Alert, webhooks: readonly AlertWebhook[]): OutgoingEvent[] =>
  webhooks.map((webhook) => {
    const detail: AlertEventDetail = {
      schemaVersion: ALERT_EVENT_SCHEMA_VERSION,
      channel: webhook.name,
      format: webhook.format,
      kind: alert.kind,
      status: alert.status,
      body: webhookBody(alert, webhook),
    };
    return { detailType: TOLLGATE_ALERT, detail };
  });

/** What goes to the SNS topic. */
export interface TopicMessage {
  readonly subject: string;
  /** For e-mail and SMS subscribers. */
  readonly text: string;
  /**
   * For machine subscribers (SQS, Lambda, HTTPS): the generic JSON body without its `text`, which
   * would repeat the e-mail version, so every protocol's copy fits SNS's 256 KB together.
   */
  readonly json: string;
  /** SNS message attributes, so a subscription can filter (e.g. only REJECTED, one repository). */
  readonly attributes: Readonly<Record<'kind' | 'status' | 'severity' | 'repository', string>>;
}

export const topicMessage = (alert: Alert): TopicMessage => {
  const { subject, body } = renderText(alert);
  const { text: _text, ...json } = renderJson(alert);
  return {
    subject,
    text: body,
    json: JSON.stringify(json),
    attributes: {
      kind: alert.kind,
      status: alert.status,
      severity: alert.severity,
      repository: alert.repository,
    },
  };
};

/** The environment variable that names the topic to the notifier (set by infra/constructs/alerts.ts). */
export const ALERT_TOPIC_ENV = FUNCTION_ENV.alertTopic;

/** The port the notifier publishes people's alerts through (an SNS topic in AWS). */
export interface AlertTopic {
  publish(message: TopicMessage): Promise<void>;
}
