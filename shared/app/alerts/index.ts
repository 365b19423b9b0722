export {
  verdictAlert,
  tagViolationAlert,
  ALERT_LIMITS,
  type Alert,
  type AlertFinding,
  type AlertSeverity,
} from '../../core/alerts/alert';
export {
  verdictAlertInputSchema,
  tagViolationAlertInputSchema,
  type VerdictAlertInput,
  type TagViolationAlertInput,
  type AlertOrigin,
  type AlertVerdict,
} from '../../core/alerts/alert-input';
export {
  alertEvents,
  topicMessage,
  ALERT_TOPIC_ENV,
  ALERT_EVENT_SCHEMA_VERSION,
  type AlertEventDetail,
  type AlertTopic,
  type AlertWebhook,
  type TopicMessage,
  type WebhookFormat,
} from './alert-messages';
export { ecrConsoleUrl } from '../../core/alerts/console-url';
export { dispatchAlert, type DispatchDeps, type DispatchOutcome, type AlertSourceEvent } from './dispatch';
export { expiringExceptions, EXPIRY_WARNING_DAYS, type ExpiringException } from '../../core/alerts/expiring';
export { renderJson, type AlertJsonBody } from '../../core/alerts/render-json';
export { renderSlack, escapeSlack, type SlackMessage, type SlackBlock } from '../../core/alerts/render-slack';
export { renderText, type TextMessage } from '../../core/alerts/render-text';
export { verdictAlerts, verdictAlertPatterns, type AlertPolicy } from '../../core/alerts/should-alert';
export { asciiSubject, oneLine, SNS_SUBJECT_MAX } from '../../core/alerts/text';
