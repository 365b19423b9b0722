import type { WebhookDelivery, WebhookFormat } from './delivery';
import { clean } from './text';

/**
 * What a receiver answered, and whether that is a delivery. Pure: the adapter reads the answer (bounded in
 * time and size), this decides, per receiver, by the receiver's own rules. The one rule for all: a
 * delivery the receiver refused is never counted as delivered.
 */

/** The answer as the transport read it. */
export interface ReceiverResponse {
  readonly status: number;
  /** The body's first bytes as text (the transport bounds it). */
  readonly body: string;
  /** The body was longer than the transport reads. */
  readonly truncated: boolean;
  /** `Retry-After`, in seconds, when the receiver sent one. */
  readonly retryAfterSeconds?: number;
}

export interface ReceiverJudgement {
  readonly accepted: boolean;
  /** Whether trying again may pass (rate limits, the receiver's own failures, no answer at all). */
  readonly retryable: boolean;
  /** One printable line: what the receiver said (untrusted text, cleaned and bounded). */
  readonly answer: string;
}

/** The answer's text is the receiver's, printed in logs and terminals: one line, bounded. */
export const ANSWER_MAX = 300;
const said = (value: string): string => clean(value, ANSWER_MAX);

const json = (body: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Retryable by status, as EventBridge retries an API destination: 401, 407, 409, 429 and 5xx. */
const retryableStatus = (status: number): boolean => [401, 407, 409, 429].includes(status) || status >= 500;

const byStatus = (response: ReceiverResponse, detail: string): ReceiverJudgement => {
  const accepted = response.status >= 200 && response.status < 300;
  const wait =
    response.retryAfterSeconds === undefined ? '' : ` (retry after ${response.retryAfterSeconds} s)`;
  return {
    accepted,
    retryable: !accepted && retryableStatus(response.status),
    answer: said(`HTTP ${response.status}${detail === '' ? '' : ` ${detail}`}${wait}`),
  };
};

/** Slack errors a retry can fix; every other `ok:false` (channel_not_found, invalid_auth, …) stays. */
const SLACK_TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Slack's Web API answers errors with HTTP 200 and `{"ok": false, "error": "<code>"}`: only `ok: true` is
 * a delivery. It puts `ok` first, so a body cut short still says which it is.
 */
const slackWebApi = (response: ReceiverResponse): ReceiverJudgement => {
  const body = json(response.body);
  const ok = body?.ok ?? /^\s*\{\s*"ok"\s*:\s*(true|false)/.exec(response.body)?.[1] === 'true';
  if (response.status === 200 && ok === true) {
    const channel = str(body?.channel);
    const ts = str(body?.ts);
    const warning = str(body?.warning);
    return {
      accepted: true,
      retryable: false,
      answer: said(
        `HTTP 200 ok${channel === undefined ? '' : ` channel ${channel}`}${ts === undefined ? '' : ` ts ${ts}`}` +
          (warning === undefined ? '' : ` (warning: ${warning})`),
      ),
    };
  }
  if (response.status === 200) {
    const error = str(body?.error) ?? 'no ok:true in the answer';
    return {
      accepted: false,
      retryable: SLACK_TRANSIENT.has(error),
      answer: said(`HTTP 200 ok:false error ${error}`),
    };
  }
  return byStatus(response, str(body?.error) ?? shortBody(response));
};

/**
 * PagerDuty Events v2: `202 {"status":"success","message":"Event processed","dedup_key":…}`; `400
 * {"status":"invalid event","message":…,"errors":[…]}` (a bad routing key or field: retrying cannot fix it);
 * 429 when the integration's rate is exceeded; 5xx. Only a 2xx is a delivery.
 */
const pagerDuty = (response: ReceiverResponse): ReceiverJudgement => {
  const body = json(response.body);
  const status = str(body?.status);
  const message = str(body?.message);
  const errors = Array.isArray(body?.errors) ? body.errors.filter((e) => typeof e === 'string') : [];
  const dedupKey = str(body?.dedup_key);
  const detail = [
    status,
    message,
    errors.length === 0 ? undefined : errors.join('; '),
    dedupKey === undefined ? undefined : `dedup_key ${dedupKey}`,
  ]
    .filter((part) => part !== undefined && part !== '')
    .join(': ');
  return byStatus(response, detail === '' ? shortBody(response) : detail);
};

/**
 * Sysdig's events API: 201 (2xx) with the event created; 401 for a bad token, 400 for a body it refuses,
 * its errors as `{"errors":[{"reason","message"}]}` or `{"message"}`.
 */
const sysdig = (response: ReceiverResponse): ReceiverJudgement => {
  const body = json(response.body);
  const errors = Array.isArray(body?.errors)
    ? body.errors
        .map((error: unknown) =>
          typeof error === 'object' && error !== null
            ? [
                str((error as Record<string, unknown>).reason),
                str((error as Record<string, unknown>).message),
              ]
                .filter((part) => part !== undefined)
                .join(': ')
            : '',
        )
        .filter((text) => text !== '')
    : [];
  const event = body?.event as Record<string, unknown> | undefined;
  const id =
    event === undefined
      ? undefined
      : (str(event.id) ?? (typeof event.id === 'number' ? String(event.id) : undefined));
  const detail =
    errors.length > 0
      ? errors.join('; ')
      : (str(body?.message) ?? (id === undefined ? shortBody(response) : `event ${id}`));
  return byStatus(response, detail);
};

const shortBody = (response: ReceiverResponse): string =>
  response.body.trim() === '' ? '' : `${response.body}${response.truncated ? '…' : ''}`;

/**
 * Judges an answer by the receiver's rules. `api-destination` webhooks are judged as EventBridge judges
 * them (any 2xx), which is what makes them safe only for receivers that answer errors with an error status.
 */
export const judgeAnswer = (
  webhook: { readonly format: WebhookFormat; readonly delivery: WebhookDelivery },
  response: ReceiverResponse,
): ReceiverJudgement => {
  switch (webhook.format) {
    case 'slack':
      return webhook.delivery === 'notify' ? slackWebApi(response) : byStatus(response, shortBody(response));
    case 'pagerduty':
      return pagerDuty(response);
    case 'sysdig':
      return sysdig(response);
    case 'json':
      return byStatus(response, shortBody(response));
  }
};

/** No answer at all (a timeout, a reset, DNS): retryable, as for EventBridge. */
export const noAnswer = (reason: string): ReceiverJudgement => ({
  accepted: false,
  retryable: true,
  answer: said(`no answer: ${reason}`),
});
