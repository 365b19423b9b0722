import { SNSClient } from '@aws-sdk/client-sns';
import { ALERT_TOPIC_ENV, type DispatchDeps } from '../../shared/app/alerts';
import { SnsAlertTopic } from '../../shared/adapters/aws/sns';
import { requireEnv } from '../../shared/adapters/runtime';
import { busPublisher } from '../../shared/adapters/runtime/judge-adapters';
import { loadSettings } from '../../shared/adapters/runtime/settings';

/** Adapters for the notifier, built once per container from the validated config. */
export const notifyAdapters = (): DispatchDeps => {
  const { config } = loadSettings();
  return {
    topic: new SnsAlertTopic({ client: new SNSClient({}), topicArn: requireEnv(ALERT_TOPIC_ENV) }),
    publisher: busPublisher(),
    policy: config.alerts,
    webhooks: config.alerts.webhooks.map(({ name, format }) => ({ name, format })),
    now: () => new Date(),
  };
};
