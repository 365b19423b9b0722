import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startRegistryFront,
  type ProxyFaultKind,
  type RegistryFront,
  type RegistryFrontOptions,
} from '../../local/registry-front';

/** A target that counts what reached it and echoes the request body. */
const startTarget = async (): Promise<{ url: string; hits: () => number; stop: () => Promise<void> }> => {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits += 1;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain', 'x-host-seen': request.headers.host ?? '' });
      response.end(Buffer.concat(chunks).toString('utf8') || 'hello');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

describe('the registry front’s faults (local/registry-front)', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  const proxies: RegistryFront[] = [];
  const proxy = async (options: RegistryFrontOptions): Promise<RegistryFront> => {
    const started = await startRegistryFront(options);
    started.setTarget(target.url);
    proxies.push(started);
    return started;
  };
  beforeEach(async () => {
    target = await startTarget();
  });
  afterEach(async () => {
    for (const started of proxies.splice(0)) await started.stop();
    await target.stop();
  });

  const only = (kind: ProxyFaultKind) => ({ probability: 1, kinds: [kind], latencyMs: 150 });

  it('passes requests through untouched, the Host header included, when no fault is drawn', async () => {
    const faultless = await proxy({ dialect: 'registry' });
    const response = await fetch(`${faultless.url}/v2/`, { method: 'POST', body: 'ping' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ping');
    // The registry builds upload Locations from Host: it must name the proxy, so uploads come back through it.
    expect(response.headers.get('x-host-seen')).toBe(new URL(faultless.url).host);
    expect(faultless.counts().requests).toBe(1);
  });

  it('throttles and fails the way DynamoDB does, without reaching the target', async () => {
    const dynamo = await proxy({ dialect: 'dynamodb', faults: only('throttle') });
    const throttled = await fetch(dynamo.url, { method: 'POST', body: '{}' });
    expect(throttled.status).toBe(400);
    expect(((await throttled.json()) as { __type: string }).__type).toMatch(/#ThrottlingException$/);
    dynamo.setFaults(only('server'));
    const failed = await fetch(dynamo.url, { method: 'POST', body: '{}' });
    expect(failed.status).toBe(500);
    await failed.text();
    expect(target.hits()).toBe(0);
  });

  it('answers 429 and 503 with OCI error bodies for the registry', async () => {
    const registry = await proxy({ dialect: 'registry', faults: only('throttle') });
    const throttled = await fetch(`${registry.url}/v2/`);
    expect(throttled.status).toBe(429);
    expect(await throttled.json()).toMatchObject({ errors: [{ code: 'TOOMANYREQUESTS' }] });
    registry.setFaults(only('server'));
    const unavailable = await fetch(`${registry.url}/v2/`);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ errors: [{ code: 'UNAVAILABLE' }] });
  });

  it('resets the connection before the target is reached, or after it served the request', async () => {
    const before = await proxy({ dialect: 'registry', faults: only('reset') });
    await expect(fetch(`${before.url}/v2/`)).rejects.toThrow();
    expect(target.hits()).toBe(0);
    const after = await proxy({ dialect: 'registry', faults: only('reset-after') });
    await expect(fetch(`${after.url}/v2/`)).rejects.toThrow();
    // The write happened; only its answer was lost.
    expect(target.hits()).toBe(1);
  });

  it('adds latency and still answers', async () => {
    const slow = await proxy({ dialect: 'registry', faults: only('latency') });
    const started = Date.now();
    const response = await fetch(`${slow.url}/v2/`);
    expect(response.status).toBe(200);
    await response.text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(slow.counts().faults.latency).toBe(1);
  });

  it('injects about the probability asked for', async () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const sometimes = await proxy({
      dialect: 'registry',
      faults: { probability: 0.1, kinds: ['server'] },
      random,
    });
    let failed = 0;
    for (let index = 0; index < 400; index++) {
      const response = await fetch(`${sometimes.url}/v2/`);
      if (response.status === 503) failed += 1;
      await response.text();
    }
    expect(failed).toBeGreaterThan(20);
    expect(failed).toBeLessThan(70);
  });

  it('lets a test tamper with a body, headers unchanged, and pick a fault for one request', async () => {
    const liar = await proxy({
      dialect: 'registry',
      tamper: (request) =>
        request.path.includes('lie') ? (body) => Buffer.concat([body, Buffer.from('!')]) : undefined,
      decide: (request) => (request.path.includes('crash') ? 'server' : undefined),
    });
    expect(await (await fetch(`${liar.url}/lie`)).text()).toBe('hello!');
    expect(await (await fetch(`${liar.url}/truth`)).text()).toBe('hello');
    expect((await fetch(`${liar.url}/crash`)).status).toBe(503);
    expect(liar.counts().tampered).toBe(1);
  });
});
