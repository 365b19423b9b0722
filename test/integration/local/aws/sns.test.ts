import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTopicCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  NotFoundException,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { startAwsStandIn, type AwsStandIn, type PublishedMessage } from '../../../../local/aws';
import { SnsAlertTopic } from '../../../../shared/adapters/aws/sns';

jest.setTimeout(30_000);

const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:tollgate-alerts';

describe('the AWS stand-in: SNS Publish over the Query protocol', () => {
  let stateDir: string;
  let standIn: AwsStandIn;
  let sns: SNSClient;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'tollgate-sns-'));
    standIn = await startAwsStandIn({
      stateDir,
      // Nothing here talks to ECR, so no registry is started.
      registry: { url: 'http://127.0.0.1:9' },
      topics: ['tollgate-alerts'],
      log: () => undefined,
    });
    sns = new SNSClient({
      endpoint: standIn.endpointEnv().AWS_ENDPOINT_URL_SNS!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sns?.destroy();
    await standIn?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const latest = (): PublishedMessage | undefined => standIn.sns.published().at(-1);

  it('records what the production SnsAlertTopic publishes, with every protocol version and attribute', async () => {
    const topic = new SnsAlertTopic({ client: sns, topicArn: TOPIC_ARN });
    await topic.publish({
      subject: 'REJECTED payments/api:1.4.2',
      text: 'Tollgate rejected payments/api@sha256:abc & <more>',
      json: '{"status":"REJECTED"}',
      attributes: { kind: 'verdict', status: 'REJECTED', severity: 'CRITICAL', repository: '' },
    });
    const message = latest()!;
    expect(message).toMatchObject({
      topicArn: TOPIC_ARN,
      subject: 'REJECTED payments/api:1.4.2',
      messageStructure: 'json',
      // The empty repository attribute is not sent: SNS refuses empty values.
      attributes: {
        kind: { dataType: 'String', stringValue: 'verdict' },
        status: { dataType: 'String', stringValue: 'REJECTED' },
        severity: { dataType: 'String', stringValue: 'CRITICAL' },
      },
    });
    expect(Object.keys(message.attributes)).toEqual(['kind', 'status', 'severity']);
    expect(JSON.parse(message.message)).toMatchObject({
      default: 'Tollgate rejected payments/api@sha256:abc & <more>',
      email: 'Tollgate rejected payments/api@sha256:abc & <more>',
      https: '{"status":"REJECTED"}',
    });
    const overHttp = (await (await fetch(`${standIn.url}/_tollgate/sns`)).json()) as PublishedMessage[];
    expect(overHttp.at(-1)).toEqual(message);
  });

  it('answers Publish with the MessageId it recorded', async () => {
    const output = await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'plain' }));
    expect(output.MessageId).toBe(latest()!.messageId);
    expect(latest()).toMatchObject({ message: 'plain', attributes: {} });
    expect(latest()!.subject).toBeUndefined();
  });

  it('refuses what SNS refuses, with its modelled exceptions', async () => {
    const before = standIn.sns.published().length;
    await expect(
      sns.send(
        new PublishCommand({ TopicArn: TOPIC_ARN, Message: '{"email":"x"}', MessageStructure: 'json' }),
      ),
    ).rejects.toThrow(InvalidParameterException);
    await expect(
      sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'x', Subject: 'two\nlines' })),
    ).rejects.toThrow(InvalidParameterException);
    await expect(
      sns.send(
        new PublishCommand({
          TopicArn: TOPIC_ARN,
          Message: 'x',
          MessageAttributes: { empty: { DataType: 'String', StringValue: '' } },
        }),
      ),
    ).rejects.toThrow(InvalidParameterValueException);
    await expect(
      sns.send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:elsewhere', Message: 'x' }),
      ),
    ).rejects.toThrow(NotFoundException);
    expect(standIn.sns.published()).toHaveLength(before);
  });

  it('refuses every other action with the Query error shape', async () => {
    const error = (await sns.send(new CreateTopicCommand({ Name: 'other' })).catch((e: unknown) => e)) as {
      name: string;
      $metadata: { httpStatusCode: number };
    };
    expect(error.name).toBe('InvalidAction');
    expect(error.$metadata.httpStatusCode).toBe(400);

    const raw = await fetch(standIn.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=Subscribe&Version=2010-03-31',
    });
    expect(raw.status).toBe(400);
    const text = await raw.text();
    expect(text).toContain('<Code>InvalidAction</Code>');
    expect(text).toContain('<Type>Sender</Type>');
  });

  it('counts calls and injects faults the SDK retries', async () => {
    const before = standIn.calls()['sns:Publish'] ?? 0;
    standIn.setFaults({ 'sns:Publish': { throttle: 1, error5xx: 1 } });
    try {
      const output = await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'after faults' }));
      expect(output.$metadata.attempts).toBe(3);
      expect(standIn.calls()['sns:Publish']).toBe(before + 3);
      expect(latest()!.message).toBe('after faults');
    } finally {
      standIn.setFaults({});
    }
  });
});
