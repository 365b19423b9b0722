import type { Context } from 'aws-lambda';

type Line = Record<string, unknown>;

/** The Lambda runtime's context for one invocation of `functionName`, with a minute left. */
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

/**
 * What a handler wrote where Lambda collects it: Powertools writes info and EMF metrics to stdout, warnings and
 * errors to stderr. Collected instead of printed, as one parsed JSON object a line.
 */
export const captureOutput = (): { readonly lines: () => Line[]; readonly restore: () => void } => {
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
        .map((line) => JSON.parse(line) as Line),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
};

/** The metric names the EMF lines published, with their values. */
export const emittedMetrics = (lines: readonly Line[]): Record<string, unknown> => {
  const metrics: Record<string, unknown> = {};
  for (const line of lines) {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } | undefined;
    for (const group of aws?.CloudWatchMetrics ?? [])
      for (const metric of group.Metrics ?? []) metrics[metric.Name] = line[metric.Name];
  }
  return metrics;
};
