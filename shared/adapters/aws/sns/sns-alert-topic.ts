import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertTopic, TopicMessage } from '../../../app/alerts/alert-messages';

export interface SnsAlertTopicProps {
  readonly client: SNSClient;
  readonly topicArn: string;
}

/**
 * Publishes an alert to the `tollgate-alerts` topic. One message, a version per protocol
 * (`MessageStructure: json`): e-mail gets the plain text, queues, functions and HTTPS endpoints get
 * the JSON body. Errors are not caught: the SDK has retried already, and the invocation's retry and
 * DLQ take over.
 */
export class SnsAlertTopic implements AlertTopic {
  public constructor(private readonly props: SnsAlertTopicProps) {}

  public async publish(message: TopicMessage): Promise<void> {
    await this.props.client.send(
      new PublishCommand({
        TopicArn: this.props.topicArn,
        Subject: message.subject,
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: message.text,
          email: message.text,
          sms: message.subject,
          sqs: message.json,
          lambda: message.json,
          https: message.json,
        }),
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes)
            // SNS refuses an empty attribute value.
            .filter(([, value]) => value !== '')
            .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
  }
}
