/**
 * Which path a webhook's alerts take. Pure: infra (which resources to create), notify (what to deliver
 * itself) and the config check all decide from the same two fields.
 *
 * An EventBridge API destination counts any 2xx answer as delivered. That is right for a receiver that
 * answers an error with an error status (a Slack incoming webhook answers 4xx, a generic JSON endpoint
 * should), and wrong for one that reports errors in a 200 body: Slack's Web API answers
 * `200 {"ok":false,"error":"channel_not_found"}`. Those, and the receivers whose body needs a credential
 * (PagerDuty's routing key) or whose answer says more than its status (Sysdig), notify calls itself and
 * checks the answer.
 */

export const WEBHOOK_FORMATS = ['slack', 'json', 'sysdig', 'pagerduty'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** `notify`: notify calls the receiver and checks its answer; `api-destination`: EventBridge calls it. */
export type WebhookDelivery = 'notify' | 'api-destination';

/**
 * A Slack Web API `chat.postMessage` URL (`https://slack.com/api/chat.postMessage`, or the same path on
 * another host: an Enterprise Grid workspace, a proxy, a test receiver). It needs a `channel`, a bot token,
 * and its `ok` read, whatever the HTTP status.
 */
export const isSlackPostMessageUrl = (url: string): boolean => {
  try {
    return /\/api\/chat\.postMessage\/?$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
};

/** The formats whose receiver needs a token from Secrets Manager, however it is called. */
export const needsSecret = (webhook: { readonly format: WebhookFormat; readonly url: string }): boolean =>
  webhook.format === 'sysdig' ||
  webhook.format === 'pagerduty' ||
  (webhook.format === 'slack' && isSlackPostMessageUrl(webhook.url));

export const webhookDelivery = (webhook: {
  readonly format: WebhookFormat;
  readonly url?: string | undefined;
}): WebhookDelivery =>
  webhook.format === 'sysdig' ||
  webhook.format === 'pagerduty' ||
  (webhook.format === 'slack' && webhook.url !== undefined && isSlackPostMessageUrl(webhook.url))
    ? 'notify'
    : 'api-destination';
