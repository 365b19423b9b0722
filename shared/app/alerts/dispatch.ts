import type { z } from 'zod';
import { EventValidationError } from '../../core/domain/errors';
import { toValidationIssues } from '../../core/events/parse';
import { IMAGE_VERDICT, TAG_VIOLATION } from '../../core/events/tollgate-detail-types';
import type { EventPublisher } from '../ports/event-publisher';
import { tagViolationAlert, verdictAlert, type Alert } from '../../core/alerts/alert';
import {
  tagViolationAlertInputSchema,
  verdictAlertInputSchema,
  type AlertOrigin,
} from '../../core/alerts/alert-input';
import { alertEvents, topicMessage, type AlertTopic, type AlertWebhook } from './alert-messages';
import { verdictAlerts, type AlertPolicy } from '../../core/alerts/should-alert';

export interface DispatchDeps {
  readonly topic: AlertTopic;
  readonly publisher: EventPublisher;
  readonly policy: AlertPolicy;
  readonly webhooks: readonly AlertWebhook[];
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
      if (!verdictAlerts(deps.policy, detail)) return { kind: 'not-alerting' };
      alert = verdictAlert(detail, options);
      break;
    }
    case TAG_VIOLATION: {
      if (!deps.policy.tagViolations) return { kind: 'not-alerting' };
      alert = tagViolationAlert(parse(tagViolationAlertInputSchema, event.detail), options);
      break;
    }
    default:
      return { kind: 'ignored' };
  }
  await deps.topic.publish(topicMessage(alert));
  const events = alertEvents(alert, deps.webhooks);
  if (events.length > 0) await deps.publisher.publish(events);
  return { kind: 'sent', alert, webhookEvents: events.length };
};
