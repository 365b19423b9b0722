import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { ImageRecord } from '../../../shared/core/domain';

type Item = Record<string, unknown>;

const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/**
 * The verdict table behind a mocked DocumentClient, honouring exactly the conditions the
 * DynamoVerdictStore writes, so a test sees what DynamoDB would keep.
 */
export class FakeVerdictTable {
  public readonly items = new Map<string, Item>();

  public record(repository: string, digest: string): ImageRecord | undefined {
    const item = this.items.get(`image#${repository}@${digest}`);
    if (item === undefined) return undefined;
    const { pk: _pk, sk: _sk, ...record } = item;
    return record as unknown as ImageRecord;
  }

  public seed(record: ImageRecord): void {
    const pk = `image#${record.image.repository}@${record.image.digest}`;
    this.items.set(pk, structuredClone({ pk, sk: 'verdict', ...record }));
  }

  public get = (input: { Key?: Item }): Promise<{ Item?: Item }> => {
    const item = this.items.get(String(input.Key?.pk));
    return Promise.resolve(item === undefined ? {} : { Item: structuredClone(item) });
  };

  public put = (input: {
    Item?: Item;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Item;
  }): Promise<{ Attributes?: Item }> => {
    const item = input.Item ?? {};
    const key = String(item.pk);
    const old = this.items.get(key);
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && old !== undefined) {
      return Promise.reject(conditionFailed());
    }
    if (
      input.ConditionExpression === '#version = :version' &&
      old?.version !== input.ExpressionAttributeValues?.[':version']
    ) {
      return Promise.reject(conditionFailed());
    }
    this.items.set(key, structuredClone(item));
    return Promise.resolve(old === undefined ? {} : { Attributes: structuredClone(old) });
  };

  public update = (input: {
    Key?: Item;
    UpdateExpression?: string;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Item;
  }): Promise<{ Attributes?: Item }> => {
    const key = String(input.Key?.pk);
    const item = this.items.get(key);
    const values = input.ExpressionAttributeValues ?? {};
    if (input.ConditionExpression === 'attribute_exists(pk)') {
      if (item === undefined) return Promise.reject(conditionFailed());
      this.items.set(key, {
        ...item,
        status: values[':deleted'],
        updatedAt: values[':at'],
        version: Number(item.version) + 1,
      });
      return Promise.resolve({});
    }
    if (item === undefined || item.version !== values[':expected']) return Promise.reject(conditionFailed());
    const next: Item = { ...item, version: values[':next'], updatedAt: values[':now'] };
    if (values[':verdict'] !== undefined)
      Object.assign(next, { verdict: values[':verdict'], status: 'DECIDED' });
    if (values[':signatures'] !== undefined) next.signatures = values[':signatures'];
    const stored = JSON.parse(JSON.stringify(next)) as Item;
    this.items.set(key, stored);
    return Promise.resolve({ Attributes: structuredClone(stored) });
  };
}

export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-west-2:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** Powertools writes logs and EMF metrics to stdout and stderr; collected as JSON lines. */
export const captureOutput = (): { readonly lines: () => Item[]; readonly restore: () => void } => {
  const chunks: string[] = [];
  const collect = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(collect),
    jest.spyOn(process.stderr, 'write').mockImplementation(collect),
  ];
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Item),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
};

/** Metric names and values in the EMF lines. */
export const emittedMetrics = (lines: readonly Item[]): Record<string, unknown> => {
  const metrics: Record<string, unknown> = {};
  for (const line of lines) {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } | undefined;
    for (const group of aws?.CloudWatchMetrics ?? [])
      for (const metric of group.Metrics ?? []) metrics[metric.Name] = line[metric.Name];
  }
  return metrics;
};
