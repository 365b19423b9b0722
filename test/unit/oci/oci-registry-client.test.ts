import { createHash } from 'node:crypto';
import {
  OciRegistryClient,
  RegistryIntegrityError,
  RegistryRequestError,
  RegistryUnavailableError,
  staticCredentials,
  type FetchLike,
} from '../../../shared/adapters/oci';
import type { Digest } from '../../../shared/core/domain';

const digestOf = (text: string): Digest =>
  `sha256:${createHash('sha256').update(text).digest('hex')}` as Digest;
const MANIFEST =
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

const client = (
  handler: Handler,
  credentials = staticCredentials({ username: 'AWS', password: 'secret' }),
) => {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    calls.push({ url, init });
    return handler(url, init);
  };
  return { calls, registry: new OciRegistryClient({ host: 'registry.example.com', credentials, fetch }) };
};

const header = (init: RequestInit, name: string): string | undefined =>
  (init.headers as Record<string, string>)[name];

describe('OciRegistryClient', () => {
  it('fetches a manifest by digest over https with every manifest media type accepted', async () => {
    const { registry, calls } = client(
      () =>
        new Response(MANIFEST, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }),
    );
    const manifest = await registry.getManifest('team/app', digestOf(MANIFEST));
    expect(manifest).toMatchObject({
      digest: digestOf(MANIFEST),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(calls[0]!.url).toBe(`https://registry.example.com/v2/team/app/manifests/${digestOf(MANIFEST)}`);
    const accept = header(calls[0]!.init, 'Accept')!;
    for (const type of [
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
    ]) {
      expect(accept).toContain(type);
    }
  });

  it('rejects a registry that serves other bytes than the digest asked for', async () => {
    const { registry } = client(() => new Response(`${MANIFEST} `));
    await expect(registry.getManifest('team/app', digestOf(MANIFEST))).rejects.toMatchObject({
      code: 'REGISTRY_INTEGRITY',
      retryable: false,
    });
  });

  it('rejects a tag whose claimed Docker-Content-Digest does not match the bytes', async () => {
    const { registry } = client(
      () => new Response(MANIFEST, { headers: { 'docker-content-digest': digestOf('other') } }),
    );
    await expect(registry.getManifest('team/app', 'v1')).rejects.toBeInstanceOf(RegistryIntegrityError);
  });

  describe('headManifest', () => {
    it('asks with a GET (fetch closes the connection after a HEAD) and describes the bytes it got', async () => {
      const { registry, calls } = client(
        () =>
          new Response(MANIFEST, {
            headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
          }),
      );
      expect(await registry.headManifest('team/app', 'sha256-abc.sig')).toEqual({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: digestOf(MANIFEST),
        size: Buffer.byteLength(MANIFEST),
      });
      expect(calls.map((call) => call.init.method)).toEqual(['GET']);
    });

    it('answers undefined for a 404, and refuses a digest header the bytes do not hash to', async () => {
      const missing = client(() => new Response('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', { status: 404 }));
      expect(await missing.registry.headManifest('team/app', 'v1')).toBeUndefined();
      // A HEAD would have taken the header at its word.
      const lying = client(
        () => new Response(MANIFEST, { headers: { 'docker-content-digest': digestOf('other') } }),
      );
      await expect(lying.registry.headManifest('team/app', 'v1')).rejects.toBeInstanceOf(
        RegistryIntegrityError,
      );
    });
  });

  it('rejects a blob whose bytes do not hash to its digest', async () => {
    const { registry } = client(() => new Response('tampered'));
    await expect(registry.getBlob('team/app', digestOf('original'))).rejects.toBeInstanceOf(
      RegistryIntegrityError,
    );
  });

  it('answers a Basic challenge with the credentials and retries once', async () => {
    const { registry, calls } = client((_url, init) =>
      header(init, 'Authorization') === `Basic ${Buffer.from('AWS:secret').toString('base64')}`
        ? new Response(MANIFEST)
        : new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="ecr"' } }),
    );
    await registry.getManifest('team/app', digestOf(MANIFEST));
    expect(calls).toHaveLength(2);
    // Later requests send the header up front.
    await registry.getManifest('team/app', digestOf(MANIFEST));
    expect(calls).toHaveLength(3);
  });

  it('fetches a bearer token for the repository scope', async () => {
    const { registry, calls } = client((url, init) => {
      if (url.startsWith('https://auth.example.com/token')) return Response.json({ token: 'tok' });
      return header(init, 'Authorization') === 'Bearer tok'
        ? new Response(MANIFEST)
        : new Response('', {
            status: 401,
            headers: {
              'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="registry"',
            },
          });
    });
    await registry.getManifest('team/app', digestOf(MANIFEST));
    const tokenUrl = new URL(calls[1]!.url);
    expect(tokenUrl.searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(tokenUrl.searchParams.get('service')).toBe('registry');
  });

  it('fails terminally on 401 when the credentials are refused', async () => {
    const { registry } = client(
      () => new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } }),
    );
    await expect(registry.getManifest('team/app', 'v1')).rejects.toMatchObject({
      status: 401,
      retryable: false,
    });
  });

  it.each([500, 503, 429])('makes %i retryable', async (status) => {
    const { registry } = client(() => new Response('', { status }));
    const error = await registry.getManifest('team/app', 'v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('makes a network failure retryable as REGISTRY_UNREACHABLE', async () => {
    const { registry } = client(() =>
      Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
    );
    await expect(registry.getManifest('team/app', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      retryable: true,
    });
  });

  it('names the OCI error codes of a 4xx', async () => {
    const { registry } = client(() =>
      Response.json({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'x' }] }, { status: 404 }),
    );
    const error = (await registry
      .getManifest('team/app', 'v1')
      .catch((e: unknown) => e)) as RegistryRequestError;
    expect(error).toBeInstanceOf(RegistryRequestError);
    expect(error.registryCodes).toEqual(['MANIFEST_UNKNOWN']);
    expect(error.message).toContain('MANIFEST_UNKNOWN');
    const { registry: other } = client(() => new Response('', { status: 404 }));
    await expect(other.findManifest('team/app', 'v1')).resolves.toBeUndefined();
  });

  it('uploads a blob with POST then PUT to the Location, digest in the query', async () => {
    const { registry, calls } = client((url, init) => {
      if (init.method === 'HEAD') return new Response(null, { status: 404 });
      if (init.method === 'POST')
        return new Response(null, {
          status: 202,
          headers: { location: '/v2/team/app/blobs/uploads/abc?_state=s' },
        });
      return new Response(null, { status: 201 });
    });
    await registry.putBlob('team/app', Buffer.from('hello'));
    const put = new URL(calls[2]!.url);
    expect(calls[2]!.init.method).toBe('PUT');
    expect(put.searchParams.get('digest')).toBe(digestOf('hello'));
    expect(put.searchParams.get('_state')).toBe('s');
  });

  it('checks whether a blob exists before uploading it, except a fresh one (a new signature) it cannot hold', async () => {
    const answer = (_url: string, init: RequestInit): Response => {
      if (init.method === 'HEAD') return new Response(null, { status: 200 });
      if (init.method === 'POST')
        return new Response(null, { status: 202, headers: { location: '/v2/team/app/blobs/uploads/abc' } });
      return new Response(null, { status: 201 });
    };
    const known = client(answer);
    await known.registry.putBlob('team/app', Buffer.from('config'));
    expect(known.calls.map((call) => call.init.method)).toEqual(['HEAD']);
    const fresh = client(answer);
    await fresh.registry.putBlob('team/app', Buffer.from('bundle'), { fresh: true });
    expect(fresh.calls.map((call) => call.init.method)).toEqual(['POST', 'PUT']);
  });

  it('uses plain http for loopback registries only', async () => {
    const calls: string[] = [];
    const fetch: FetchLike = (url) => {
      calls.push(url);
      return Promise.resolve(new Response(MANIFEST));
    };
    await new OciRegistryClient({ host: '127.0.0.1:5000', fetch }).getManifest('a', digestOf(MANIFEST));
    await new OciRegistryClient({ host: 'localhost:5000', fetch }).getManifest('a', digestOf(MANIFEST));
    expect(calls.every((url) => url.startsWith('http://'))).toBe(true);
  });
});
