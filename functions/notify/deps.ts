import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { ALERT_TOPIC_ENV, type DispatchDeps } from '../../shared/app/alerts';
import { HttpWebhookTransport, SecretsManagerSource } from '../../shared/adapters/alerts';
import { SnsAlertTopic } from '../../shared/adapters/aws/sns';
import { requireEnv } from '../../shared/adapters/runtime';
import { busPublisher } from '../../shared/adapters/runtime/judge-adapters';
import { loadSettings } from '../../shared/adapters/runtime/settings';

/** Adapters for the notifier, built once per container from the validated config. */
export const notifyAdapters = (): DispatchDeps => {
  const { config } = loadSettings();
  const webhooks = config.alerts.webhooks;
  return {
    topic: new SnsAlertTopic({ client: new SNSClient({}), topicArn: requireEnv(ALERT_TOPIC_ENV) }),
    publisher: busPublisher(),
    policy: {
      ...config.alerts,
      resolveOnApproval: webhooks.some((webhook) => webhook.format === 'pagerduty'),
    },
    webhooks: webhooks.map(({ name, format, url, channel, secretName }) => ({
      name,
      format,
      url,
      ...(channel === undefined ? {} : { channel }),
      ...(secretName === undefined ? {} : { secretName }),
    })),
    transport: new HttpWebhookTransport(),
    secrets: new SecretsManagerSource({ client: new SecretsManagerClient({}) }),
    now: () => new Date(),
  };
};
