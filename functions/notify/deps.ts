import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { ALERT_TOPIC_ENV, type DispatchDeps } from '../../shared/app/alerts';
import { EventBridgePublisher } from '../../shared/adapters/aws/eventbridge';
import { SnsAlertTopic } from '../../shared/adapters/aws/sns';
import { requireEnv } from '../../shared/adapters/runtime';
import { BUS_ENV } from '../../shared/adapters/runtime/judge-adapters';
import { loadSettings } from '../../shared/adapters/runtime/settings';

/** Adapters for the notifier, built once per container from the validated config. */
export const notifyAdapters = (): DispatchDeps => {
  const { config } = loadSettings();
  return {
    topic: new SnsAlertTopic({ client: new SNSClient({}), topicArn: requireEnv(ALERT_TOPIC_ENV) }),
    publisher: new EventBridgePublisher({ client: new EventBridgeClient({}), busName: requireEnv(BUS_ENV) }),
    policy: config.alerts,
    webhooks: config.alerts.webhooks.map(({ name, format }) => ({ name, format })),
    now: () => new Date(),
  };
};
