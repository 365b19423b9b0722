import type { Descriptor, RegistryClient } from '../../../shared/adapters/oci';
import { MediaType, sha256Digest } from '../../../shared/adapters/oci';
import { RememberingRegistryClient } from '../../../shared/adapters/oci';
import { RegistryRequestError } from '../../../shared/core/oci/errors';
import { MemoryRegistry } from '../../doubles';

/** The inner registry, counting what reaches it by method. */
const counted = (inner: RegistryClient): { client: RegistryClient; calls: Record<string, number> } => {
  const calls: Record<string, number> = {};
  const client = new Proxy(inner, {
    get: (target, name, receiver) => {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client, calls };
};

describe('RememberingRegistryClient', () => {
  const repository = 'team/app';

  it('reads a manifest by digest once, but a tag every time', async () => {
    const memory = new MemoryRegistry({ referrersApi: false });
    const image = await memory.pushImage(repository, 'one');
    const { client, calls } = counted(memory);
    const remembering = new RememberingRegistryClient(client);

    const first = await remembering.getManifest(repository, image.digest);
    const again = await remembering.findManifest(repository, image.digest);
    expect(again).toEqual(first);
    expect(await remembering.headManifest(repository, image.digest)).toMatchObject({
      digest: image.digest,
      size: image.size,
    });
    expect(calls.getManifest).toBe(1);
    expect(calls.findManifest ?? 0).toBe(0);
    expect(calls.headManifest ?? 0).toBe(0);

    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    await memory.putManifest(repository, 'moving', { mediaType: MediaType.ociIndex, bytes });
    await remembering.findManifest(repository, 'moving');
    await remembering.findManifest(repository, 'moving');
    await remembering.headManifest(repository, 'moving');
    expect(calls.findManifest).toBe(2);
    expect(calls.headManifest).toBe(1);
  });

  it('knows what it wrote by digest, and forgets a manifest it deleted', async () => {
    const memory = new MemoryRegistry({ referrersApi: false });
    const { client, calls } = counted(memory);
    const remembering = new RememberingRegistryClient(client);
    const blob = Buffer.from('payload');
    const bytes = Buffer.from('{"schemaVersion":2,"manifests":[]}');
    const { digest } = await remembering.putManifest(repository, sha256Digest(bytes), {
      mediaType: MediaType.ociIndex,
      bytes,
    });
    await remembering.putBlob(repository, blob);

    expect((await remembering.getManifest(repository, digest)).bytes).toEqual(bytes);
    expect(await remembering.getBlob(repository, sha256Digest(blob))).toEqual(blob);
    expect(calls.getManifest ?? 0).toBe(0);
    expect(calls.getBlob ?? 0).toBe(0);

    await remembering.deleteManifest(repository, digest);
    expect(await remembering.findManifest(repository, digest)).toBeUndefined();
    expect(calls.findManifest).toBe(1);
  });

  it('uploads a blob it put or found once per window, and one upload for concurrent puts of the same bytes', async () => {
    const memory = new MemoryRegistry({ referrersApi: false });
    const { client, calls } = counted(memory);
    let now = 0;
    const remembering = new RememberingRegistryClient(client, { blobExistsMs: 1000, now: () => now });
    const empty = Buffer.from('{}');

    await Promise.all([remembering.putBlob(repository, empty), remembering.putBlob(repository, empty)]);
    expect(calls.putBlob).toBe(1);
    await remembering.putBlob(repository, empty);
    expect(calls.putBlob).toBe(1);
    // Other repositories are other blob stores.
    await remembering.putBlob('team/other', empty);
    expect(calls.putBlob).toBe(2);
    // `fresh` bytes go every time, and past the window the registry is asked again.
    await remembering.putBlob(repository, empty, { fresh: true });
    expect(calls.putBlob).toBe(3);
    now = 1000;
    await remembering.putBlob(repository, empty);
    expect(calls.putBlob).toBe(4);
  });

  it('forgets the blobs of a repository whose manifest PUT found one missing, so the retry uploads them', async () => {
    const memory = new MemoryRegistry({ referrersApi: false });
    const { client, calls } = counted(memory);
    const refusing: RegistryClient = new Proxy(client, {
      get: (target, name, receiver) =>
        name === 'putManifest'
          ? () => Promise.reject(new RegistryRequestError('blob unknown', 400, ['MANIFEST_BLOB_UNKNOWN']))
          : (Reflect.get(target, name, receiver) as unknown),
    });
    const remembering = new RememberingRegistryClient(refusing);
    const empty = Buffer.from('{}');
    await remembering.putBlob(repository, empty);
    await remembering.putBlob('team/other', empty);
    const bytes = Buffer.from('{"schemaVersion":2,"manifests":[]}');
    await expect(
      remembering.putManifest(repository, sha256Digest(bytes), { mediaType: MediaType.ociIndex, bytes }),
    ).rejects.toBeInstanceOf(RegistryRequestError);

    await remembering.putBlob(repository, empty);
    await remembering.putBlob('team/other', empty);
    expect(calls.putBlob).toBe(3);
  });

  it('keeps repositories apart', async () => {
    const memory = new MemoryRegistry({ referrersApi: false });
    const image = await memory.pushImage(repository, 'one');
    const remembering = new RememberingRegistryClient(memory);
    await remembering.getManifest(repository, image.digest);
    expect(await remembering.findManifest('team/other', image.digest)).toBeUndefined();
  });

  it('asks for the referrers API until the registry says it has none, then no more', async () => {
    const listed: Descriptor[] = [];
    const memory = new MemoryRegistry({ referrersApi: false });
    const { client, calls } = counted(memory);
    const remembering = new RememberingRegistryClient(client);
    const digest = sha256Digest('x');
    expect(await remembering.referrers(repository, digest)).toBeUndefined();
    expect(await remembering.referrers(repository, digest)).toBeUndefined();
    expect(calls.referrers).toBe(1);

    class WithApi extends MemoryRegistry {
      public override referrers(): Promise<readonly Descriptor[] | undefined> {
        return Promise.resolve(listed);
      }
    }
    const withApi = counted(new WithApi({ referrersApi: false }));
    const api = new RememberingRegistryClient(withApi.client);
    await api.referrers(repository, digest);
    await api.referrers(repository, digest);
    expect(withApi.calls.referrers).toBe(2);
  });

  it('drops the oldest entries beyond its bound, and does not keep large blobs', async () => {
    const memory = new MemoryRegistry({ referrersApi: false });
    const { client, calls } = counted(memory);
    const remembering = new RememberingRegistryClient(client, { maxEntries: 2, maxBlobBytes: 8 });
    const blobs = ['a', 'b', 'c'].map((text) => Buffer.from(text));
    for (const blob of blobs) await remembering.putBlob(repository, blob);
    await remembering.getBlob(repository, sha256Digest(blobs[0]!));
    expect(calls.getBlob).toBe(1);
    await remembering.getBlob(repository, sha256Digest(blobs[2]!));
    expect(calls.getBlob).toBe(1);

    const large = Buffer.from('more than eight bytes');
    await remembering.putBlob(repository, large);
    await remembering.getBlob(repository, sha256Digest(large));
    expect(calls.getBlob).toBe(2);
  });
});
