import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiDestinationCaller, type ApiTarget } from '../../../local/api-destination';
import type { LocalConnection } from '../../../local/template';

jest.setTimeout(30_000);

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook that answers the queued statuses in turn, then 200. */
const startEndpoint = async (): Promise<{
  server: Server;
  url: string;
  seen: Seen[];
  answer: (...statuses: number[]) => void;
}> => {
  const seen: Seen[] = [];
  const queue: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(queue.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answer: (...statuses) => queue.push(...statuses),
  };
};

const DLQ = 'arn:aws:sqs:us-east-1:000000000000:RuleDeadLetters';

describe('API destinations, called as EventBridge calls them', () => {
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  const caller = new ApiDestinationCaller({
    retryDelayMs: () => 1,
    secrets: (name) => (name === 'tollgate/slack' ? 'Bearer s3cret' : undefined),
  });

  beforeAll(async () => {
    endpoint = await startEndpoint();
  });
  afterAll(() => new Promise((resolve) => endpoint.server.close(resolve)));
  beforeEach(() => endpoint.seen.splice(0));

  const target = (connection: Partial<LocalConnection> = {}, path = '/hook', retries = 8): ApiTarget => ({
    apiDestination: {
      logicalId: 'Destination',
      arn: 'arn:aws:events:us-east-1:000000000000:api-destination/Destination/local',
      endpoint: `${endpoint.url}${path}`,
      httpMethod: 'POST',
      rateLimitPerSecond: 300,
      connection: {
        logicalId: 'Connection',
        arn: 'arn:aws:events:us-east-1:000000000000:connection/Connection/local',
        headers: { 'X-Tollgate-Source': 'tollgate' },
        queryParameters: {},
        ...connection,
      },
      http: { pathParameters: [], headers: {}, queryParameters: {} },
    },
    maximumRetryAttempts: retries,
    deadLetterArn: DLQ,
  });

  it('POSTs the payload as JSON with the connection header, retrying 5xx and 429 until it is accepted', async () => {
    endpoint.answer(503, 429);
    const outcome = await caller.deliver(target(), { text: 'REJECTED payments/api' });
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200, attempts: 3 });
    expect(endpoint.seen).toHaveLength(3);
    for (const request of endpoint.seen) {
      expect(request.url).toBe('/hook');
      expect(request.headers).toMatchObject({
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Amazon/EventBridge/ApiDestinations',
        'x-tollgate-source': 'tollgate',
      });
      expect(JSON.parse(request.body)).toEqual({ text: 'REJECTED payments/api' });
    }
  });

  it('does not retry a client error: the event goes to the dead-letter queue at once', async () => {
    endpoint.answer(400);
    const outcome = await caller.deliver(target(), { text: 'x' });
    expect(outcome).toEqual({
      kind: 'dead-letter',
      destination: target().apiDestination.arn,
      attempts: 1,
      reason: 'HTTP 400 (not retried)',
      deadLetterArn: DLQ,
    });
    expect(endpoint.seen).toHaveLength(1);
  });

  it('gives up after the target’s MaximumRetryAttempts', async () => {
    endpoint.answer(500, 500, 500);
    const outcome = await caller.deliver(target({}, '/hook', 2), { text: 'x' });
    expect(outcome).toMatchObject({ kind: 'dead-letter', attempts: 3, reason: 'HTTP 500' });
    expect(endpoint.seen).toHaveLength(3);
  });

  it('resolves a Secrets Manager reference at delivery, and never calls without its secret', async () => {
    const withSecret = await caller.deliver(
      target({ headers: { Authorization: '{{resolve:secretsmanager:tollgate/slack:SecretString:::}}' } }),
      {},
    );
    expect(withSecret.kind).toBe('delivered');
    expect(endpoint.seen[0]!.headers.authorization).toBe('Bearer s3cret');

    const missing = await caller.deliver(
      target({ headers: { Authorization: '{{resolve:secretsmanager:other:SecretString:::}}' } }),
      {},
    );
    expect(missing).toMatchObject({ kind: 'dead-letter', attempts: 0 });
    expect(missing.kind === 'dead-letter' && missing.reason).toContain('other');
    expect(endpoint.seen).toHaveLength(1);
  });

  it('sends BASIC credentials and the connection’s query parameters', async () => {
    await caller.deliver(
      target({
        headers: {},
        basic: { username: 'tollgate', password: 'p:w' },
        queryParameters: { team: 'a b' },
      }),
      'plain text',
    );
    const [request] = endpoint.seen;
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from('tollgate:p:w').toString('base64')}`);
    expect(request!.url).toBe('/hook?team=a+b');
    expect(request!.body).toBe('plain text');
  });
});
