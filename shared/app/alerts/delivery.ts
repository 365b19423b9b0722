import * as z from 'zod';
import { EventValidationError, RetryableError } from '../../core/domain/errors';
import { toValidationIssues } from '../../core/events/parse';
import { WEBHOOK_FORMATS } from '../../core/alerts/delivery';
import {
  judgeAnswer,
  noAnswer,
  type ReceiverJudgement,
  type ReceiverResponse,
} from '../../core/alerts/receiver-answer';
import { deliveryOf, type AlertEventDetail, type AlertWebhook, type WebhookBody } from './alert-messages';

/** One HTTP request to a receiver. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The port notify calls receivers through: one POST, bounded in time and answer size. */
export interface WebhookTransport {
  /** The answer, whatever its status; throws only when there is none (timeout, network). */
  post(request: WebhookRequest): Promise<ReceiverResponse>;
}

/** The port receivers' credentials are read through (Secrets Manager in AWS). */
export interface SecretSource {
  /** The secret's string value. Throws when it cannot be read. */
  secret(name: string): Promise<string>;
}

export interface DeliveryDeps {
  readonly webhooks: readonly AlertWebhook[];
  readonly transport: WebhookTransport;
  readonly secrets: SecretSource;
}

/**
 * A receiver refused an alert, or could not be reached. Retryable, and thrown: Lambda retries the
 * invocation, then sends it to the dead-letter queue, whose alarm tells people; never a silent loss.
 */
export class AlertDeliveryError extends RetryableError {
  public constructor(
    public readonly channel: string,
    public readonly judgement: ReceiverJudgement,
    options?: { readonly cause?: unknown },
  ) {
    super('DEPENDENCY_UNAVAILABLE', `alert to ${channel} not delivered: ${judgement.answer}`, options);
    this.name = 'AlertDeliveryError';
  }
}

/** What one delivery came to. */
export interface DeliveryResult {
  readonly channel: string;
  readonly format: AlertWebhook['format'];
  /** `notify`: delivered as real alerts are; `probe`: an API destination's receiver, called by notify. */
  readonly via: 'notify' | 'probe';
  readonly status?: number;
  readonly accepted: boolean;
  readonly retryable: boolean;
  readonly answer: string;
}

/** The value of an `Authorization: Bearer` header from a secret that holds the token, with or without the word. */
export const bearer = (secret: string): string => {
  const token = secret.trim();
  return /^bearer\s/i.test(token) ? token : `Bearer ${token}`;
};

const JSON_TYPE = 'application/json; charset=utf-8';
const USER_AGENT = 'Tollgate';

/**
 * The request for one receiver: the formatted body, plus the credential in the receiver's own place.
 * - `slack` (chat.postMessage), `sysdig`: `Authorization: Bearer <token>`;
 * - `pagerduty`: the routing key in the body (`routing_key`), which is why it is added only here;
 * - an API destination's receiver (a probe from `tollgate alerts test`): the header its connection sends:
 *   `Authorization: <secret>` as it is, or `X-Tollgate-Source: tollgate` without a secret.
 */
export const webhookRequest = (
  webhook: AlertWebhook & { readonly url: string },
  body: WebhookBody,
  secret: string | undefined,
): WebhookRequest => {
  const base = { 'Content-Type': JSON_TYPE, 'User-Agent': USER_AGENT };
  if (deliveryOf(webhook) === 'api-destination') {
    return {
      url: webhook.url,
      headers: {
        ...base,
        ...(secret === undefined ? { 'X-Tollgate-Source': 'tollgate' } : { Authorization: secret }),
      },
      body: JSON.stringify(body),
    };
  }
  if (secret === undefined) throw new Error(`webhook ${webhook.name} has no secretName`);
  if (webhook.format === 'pagerduty') {
    return {
      url: webhook.url,
      headers: base,
      body: JSON.stringify({ routing_key: secret.trim(), ...body }),
    };
  }
  return {
    url: webhook.url,
    headers: { ...base, Authorization: bearer(secret) },
    body: JSON.stringify(body),
  };
};

/**
 * Sends `body` to the webhook and judges the answer. Never throws: a refusal, a missing secret and no
 * answer at all are all results, not accepted.
 */
export const sendToWebhook = async (
  deps: Pick<DeliveryDeps, 'transport' | 'secrets'>,
  webhook: AlertWebhook,
  body: WebhookBody,
): Promise<DeliveryResult> => {
  const via = deliveryOf(webhook) === 'notify' ? 'notify' : 'probe';
  const result = (judgement: ReceiverJudgement, status?: number): DeliveryResult => ({
    channel: webhook.name,
    format: webhook.format,
    via,
    ...(status === undefined ? {} : { status }),
    ...judgement,
  });
  if (webhook.url === undefined) {
    return result({ accepted: false, retryable: false, answer: 'no url configured' });
  }
  let secret: string | undefined;
  if (webhook.secretName !== undefined) {
    try {
      secret = await deps.secrets.secret(webhook.secretName);
    } catch (error) {
      return result({
        accepted: false,
        retryable: true,
        answer: `secret ${webhook.secretName} not readable: ${(error as Error).message}`.slice(0, 300),
      });
    }
  }
  let request: WebhookRequest;
  try {
    request = webhookRequest({ ...webhook, url: webhook.url }, body, secret);
  } catch (error) {
    return result({ accepted: false, retryable: false, answer: (error as Error).message });
  }
  let response: ReceiverResponse;
  try {
    response = await deps.transport.post(request);
  } catch (error) {
    return result(noAnswer((error as Error).message));
  }
  return result(
    judgeAnswer({ format: webhook.format, delivery: deliveryOf(webhook) }, response),
    response.status,
  );
};

/** The parts of a `Tollgate Alert` detail notify reads to deliver it. */
const alertEventSchema = z.object({
  channel: z.string().min(1),
  format: z.enum(WEBHOOK_FORMATS),
  body: z.record(z.string(), z.unknown()),
});

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly result: DeliveryResult }
  /** An API destination's channel, or one the config no longer names: not notify's to deliver. */
  | { readonly kind: 'not-ours'; readonly channel: string };

/**
 * Delivers one `Tollgate Alert` to a webhook notify calls itself. Throws {@link AlertDeliveryError} when
 * the receiver refused it or could not be reached, so the invocation is retried, then dead-lettered.
 */
export const deliverAlertEvent = async (deps: DeliveryDeps, detail: unknown): Promise<DeliveryOutcome> => {
  // The channel first: the events of API destination channels reach notify only by a rule's mistake.
  const channel = (detail as { channel?: unknown } | null)?.channel;
  const webhook = deps.webhooks.find((candidate) => candidate.name === channel);
  if (webhook === undefined || deliveryOf(webhook) !== 'notify') {
    return { kind: 'not-ours', channel: typeof channel === 'string' ? channel : '' };
  }
  const parsed = alertEventSchema.safeParse(detail);
  if (!parsed.success) throw new EventValidationError(toValidationIssues(parsed.error));
  const result = await sendToWebhook(deps, webhook, parsed.data.body as unknown as AlertEventDetail['body']);
  if (!result.accepted) throw new AlertDeliveryError(webhook.name, result);
  return { kind: 'delivered', result };
};
