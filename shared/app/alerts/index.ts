export {
  verdictAlert,
  tagViolationAlert,
  testAlert,
  TEST_ALERT_TEXT,
  TEST_ALERT_IMAGE,
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
  deliveryOf,
  webhookBody,
  topicMessage,
  ALERT_TOPIC_ENV,
  ALERT_EVENT_SCHEMA_VERSION,
  type AlertEventDetail,
  type AlertTopic,
  type AlertWebhook,
  type TopicMessage,
  type WebhookBody,
  type WebhookDelivery,
  type WebhookFormat,
} from './alert-messages';
export {
  AlertDeliveryError,
  bearer,
  deliverAlertEvent,
  sendToWebhook,
  webhookRequest,
  type DeliveryDeps,
  type DeliveryOutcome,
  type DeliveryResult,
  type SecretSource,
  type WebhookRequest,
  type WebhookTransport,
} from './delivery';
export {
  ALERT_TEST,
  sendTestAlert,
  TOPIC_CHANNEL,
  type TestAlertDeps,
  type TestAlertReport,
  type TestAlertRequest,
  type TestChannelResult,
} from './test-alert';
export {
  isSlackPostMessageUrl,
  needsSecret,
  webhookDelivery,
  WEBHOOK_FORMATS,
} from '../../core/alerts/delivery';
export {
  judgeAnswer,
  noAnswer,
  ANSWER_MAX,
  type ReceiverJudgement,
  type ReceiverResponse,
} from '../../core/alerts/receiver-answer';
export {
  renderPagerDuty,
  pagerDutyDedupKey,
  alertDedupKey,
  resolvesPagerDuty,
  PAGERDUTY_LIMITS,
  type PagerDutyEvent,
} from '../../core/alerts/render-pagerduty';
export {
  renderSysdig,
  SYSDIG_SEVERITY,
  SYSDIG_LIMITS,
  type SysdigEventBody,
} from '../../core/alerts/render-sysdig';
export { ecrConsoleUrl } from '../../core/alerts/console-url';
export { dispatchAlert, type DispatchDeps, type DispatchOutcome, type AlertSourceEvent } from './dispatch';
export { expiringExceptions, EXPIRY_WARNING_DAYS, type ExpiringException } from '../../core/alerts/expiring';
export { renderJson, type AlertJsonBody } from '../../core/alerts/render-json';
export { renderSlack, escapeSlack, type SlackMessage, type SlackBlock } from '../../core/alerts/render-slack';
export { renderText, type TextMessage } from '../../core/alerts/render-text';
export {
  verdictAlerts,
  verdictAlertPatterns,
  verdictResolves,
  type AlertPolicy,
} from '../../core/alerts/should-alert';
export { asciiSubject, oneLine, SNS_SUBJECT_MAX } from '../../core/alerts/text';
