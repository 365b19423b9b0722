import { ALERT_TOPIC_ENV, type DispatchDeps } from '../../shared/app/alerts';
import { HttpWebhookTransport } from '../../shared/adapters/alerts/http-transport';
import { requireEnv } from '../../shared/adapters/runtime';
import { busPublisher } from '../../shared/adapters/runtime/judge-adapters';
import { loadSettings } from '../../shared/adapters/runtime/settings';

/**
 * Adapters for the notifier, built once per container from the validated config. The SDK clients and the
 * adapters over them are imported here, on the first invocation, so none of them loads during init.
 */
export const notifyAdapters = async (): Promise<DispatchDeps> => {
  const { config } = loadSettings();
  const webhooks = config.alerts.webhooks;
  const topicArn = requireEnv(ALERT_TOPIC_ENV);
  const { SNSClient } = await import('@aws-sdk/client-sns');
  const { SnsAlertTopic } = await import('../../shared/adapters/aws/sns');
  const topic = new SnsAlertTopic({ client: new SNSClient({}), topicArn });
  const publisher = await busPublisher();
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const { SecretsManagerSource } = await import('../../shared/adapters/alerts/secrets-manager');
  return {
    topic,
    publisher,
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
