import { testAlert } from '../../core/alerts/alert';
import { renderPagerDuty } from '../../core/alerts/render-pagerduty';
import { topicMessage, webhookBody, type AlertTopic } from './alert-messages';
import { sendToWebhook, type DeliveryDeps, type DeliveryResult } from './delivery';

/** The detail type `tollgate alerts test` invokes notify with (never put on the bus). */
export const ALERT_TEST = 'Tollgate Alert Test';
/** `--channel email`: the topic and its e-mail subscribers. */
export const TOPIC_CHANNEL = 'email';

export interface TestAlertRequest {
  /** One channel (a webhook's name, or `email`), or all of them. */
  readonly channel?: string | undefined;
  readonly requestedBy?: string | undefined;
}

export interface TestAlertDeps extends DeliveryDeps {
  readonly topic: AlertTopic;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What one channel answered the test alert. */
export type TestChannelResult =
  | (DeliveryResult & { readonly kind: 'webhook'; readonly resolve?: DeliveryResult })
  | {
      readonly kind: 'topic';
      readonly channel: typeof TOPIC_CHANNEL;
      readonly accepted: boolean;
      readonly answer: string;
    };

export type TestAlertReport =
  | { readonly kind: 'tested'; readonly id: string; readonly results: readonly TestChannelResult[] }
  | { readonly kind: 'unknown-channel'; readonly channel: string; readonly channels: readonly string[] };

/**
 * Sends a test alert through every channel (or one), the way real alerts go, and reports what each
 * receiver answered:
 * - the topic: published as alerts are (SNS's acceptance is the answer; each subscriber confirms on its own);
 * - the webhooks notify delivers (Slack chat.postMessage, Sysdig, PagerDuty): delivered exactly as a real
 *   alert, the receiver's answer judged by the same rules; PagerDuty gets a trigger, then a resolve of the
 *   same dedup key, so no incident stays open;
 * - the webhooks behind an API destination: EventBridge does not tell anyone what their receiver answered,
 *   so notify sends the same body with the same header the connection sends (a probe), and reports that.
 * Nothing is thrown for a refusal: the test reports it, and it is neither retried nor dead-lettered.
 */
export const sendTestAlert = async (
  deps: TestAlertDeps,
  request: TestAlertRequest,
  id: string,
): Promise<TestAlertReport> => {
  const names = [TOPIC_CHANNEL, ...deps.webhooks.map((webhook) => webhook.name)];
  if (request.channel !== undefined && !names.includes(request.channel)) {
    return { kind: 'unknown-channel', channel: request.channel, channels: names };
  }
  const wanted = (name: string): boolean => request.channel === undefined || request.channel === name;
  const alert = testAlert({
    now: (deps.now ?? (() => new Date()))(),
    id,
    ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
  });

  const topic = async (): Promise<TestChannelResult> => {
    try {
      await deps.topic.publish(topicMessage(alert));
      return {
        kind: 'topic',
        channel: TOPIC_CHANNEL,
        accepted: true,
        answer: 'published to the alert topic',
      };
    } catch (error) {
      return {
        kind: 'topic',
        channel: TOPIC_CHANNEL,
        accepted: false,
        answer: `SNS refused: ${(error as Error).message}`.slice(0, 300),
      };
    }
  };
  const webhook = async (target: DeliveryDeps['webhooks'][number]): Promise<TestChannelResult> => {
    const result = await sendToWebhook(deps, target, webhookBody(alert, target));
    if (target.format !== 'pagerduty' || !result.accepted) return { kind: 'webhook', ...result };
    const resolve = await sendToWebhook(deps, target, {
      event_action: 'resolve',
      dedup_key: renderPagerDuty(alert).dedup_key,
    });
    return { kind: 'webhook', ...result, accepted: resolve.accepted, resolve };
  };
  const results = await Promise.all([
    ...(wanted(TOPIC_CHANNEL) ? [topic()] : []),
    ...deps.webhooks.filter((target) => wanted(target.name)).map(webhook),
  ]);
  return { kind: 'tested', id, results };
};
