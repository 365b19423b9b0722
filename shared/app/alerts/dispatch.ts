import type { z } from 'zod';
import { EventValidationError } from '../../core/domain/errors';
import { toValidationIssues } from '../../core/events/parse';
import { IMAGE_VERDICT, TAG_VIOLATION, TOLLGATE_ALERT } from '../../core/events/tollgate-detail-types';
import type { EventPublisher } from '../ports/event-publisher';
import { tagViolationAlert, verdictAlert, type Alert } from '../../core/alerts/alert';
import {
  tagViolationAlertInputSchema,
  verdictAlertInputSchema,
  type AlertOrigin,
} from '../../core/alerts/alert-input';
import { alertEvents, topicMessage, type AlertTopic } from './alert-messages';
import { deliverAlertEvent, type DeliveryDeps, type DeliveryResult } from './delivery';
import { verdictAlerts, verdictResolves, type AlertPolicy } from '../../core/alerts/should-alert';

export interface DispatchDeps extends DeliveryDeps {
  readonly topic: AlertTopic;
  readonly publisher: EventPublisher;
  readonly policy: AlertPolicy;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The parts of the EventBridge envelope the notifier reads. */
export interface AlertSourceEvent extends AlertOrigin {
  readonly detailType: string;
  readonly detail: unknown;
  /** Set by EventBridge on events replayed from the archive. */
  readonly replayName?: string;
}

export type DispatchOutcome =
  | { readonly kind: 'sent'; readonly alert: Alert; readonly webhookEvents: number }
  /** An approval that alerts nobody, sent only to PagerDuty to resolve the image's alert. */
  | { readonly kind: 'resolved'; readonly alert: Alert; readonly webhookEvents: number }
  /** A `Tollgate Alert` notify delivered itself, and the receiver accepted. */
  | { readonly kind: 'delivered'; readonly result: DeliveryResult }
  | { readonly kind: 'replay' }
  | { readonly kind: 'not-alerting' }
  | { readonly kind: 'ignored' };

const parse = <S extends z.ZodType>(schema: S, detail: unknown): z.output<S> => {
  const result = schema.safeParse(detail);
  // Terminal, and thrown: a Tollgate event we cannot read is our bug, and it must reach the DLQ
  // (whose alarm tells people) rather than vanish.
  if (!result.success) throw new EventValidationError(toValidationIssues(result.error));
  return result.data;
};

/**
 * Turns one Tollgate event into alerts: the people's message on the topic, then one formatted
 * `Tollgate Alert` per webhook. At least once: when publishing fails the error is thrown and the
 * invocation retried, so a retried alert may reach the topic twice, but never zero times.
 *
 * A `Tollgate Alert` for a webhook notify delivers itself (Slack chat.postMessage, Sysdig, PagerDuty)
 * comes back here and is delivered; a refusal throws (AlertDeliveryError), so that one channel is retried
 * and dead-lettered on its own, without the topic or the other webhooks getting the alert twice.
 */
export const dispatchAlert = async (
  deps: DispatchDeps,
  event: AlertSourceEvent,
): Promise<DispatchOutcome> => {
  // The archive is for audit and downstream replays; alerting again would page people twice.
  if (event.replayName !== undefined) return { kind: 'replay' };
  const options = {
    now: (deps.now ?? (() => new Date()))(),
    origin: {
      ...(event.account === undefined ? {} : { account: event.account }),
      ...(event.region === undefined ? {} : { region: event.region }),
    },
  };
  let alert: Alert;
  switch (event.detailType) {
    case IMAGE_VERDICT: {
      const detail = parse(verdictAlertInputSchema, event.detail);
      if (!verdictAlerts(deps.policy, detail)) {
        const pagers = deps.webhooks.filter((webhook) => webhook.format === 'pagerduty');
        if (!verdictResolves(deps.policy, detail) || pagers.length === 0) return { kind: 'not-alerting' };
        // A plain approval: no message for people, a resolve for the image's PagerDuty alert.
        const approved = verdictAlert(detail, options);
        const events = alertEvents(approved, pagers);
        await deps.publisher.publish(events);
        return { kind: 'resolved', alert: approved, webhookEvents: events.length };
      }
      alert = verdictAlert(detail, options);
      break;
    }
    case TAG_VIOLATION: {
      if (!deps.policy.tagViolations) return { kind: 'not-alerting' };
      alert = tagViolationAlert(parse(tagViolationAlertInputSchema, event.detail), options);
      break;
    }
    case TOLLGATE_ALERT: {
      const delivered = await deliverAlertEvent(deps, event.detail);
      return delivered.kind === 'delivered' ? delivered : { kind: 'ignored' };
    }
    default:
      return { kind: 'ignored' };
  }
  await deps.topic.publish(topicMessage(alert));
  const events = alertEvents(alert, deps.webhooks);
  if (events.length > 0) await deps.publisher.publish(events);
  return { kind: 'sent', alert, webhookEvents: events.length };
};
