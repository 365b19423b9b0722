import { OciRegistryClient, anonymous, staticCredentials, isNotFound } from '../../../shared/adapters/oci';
import { pushTestImage, startTestRegistry, type TestRegistry } from '../../helpers/oci';

jest.setTimeout(30_000);

describe.each(['anonymous', 'basic'] as const)('OciRegistryClient against a real %s registry', (auth) => {
  let registry: TestRegistry;
  let client: OciRegistryClient;

  beforeAll(async () => {
    registry = await startTestRegistry(auth);
    client = new OciRegistryClient({
      host: registry.host,
      credentials: registry.credentials === undefined ? anonymous : staticCredentials(registry.credentials),
    });
  });
  afterAll(async () => registry?.stop());

  it('reports whether the registry requires auth', async () => {
    expect(await client.requiresAuth()).toBe(auth === 'basic');
  });

  it('puts, heads, gets, tags, lists and deletes manifests and blobs', async () => {
    const image = await pushTestImage(client, 'team/roundtrip');
    expect(await client.headManifest('team/roundtrip', image.digest)).toMatchObject({
      digest: image.digest,
      size: image.bytes.length,
    });
    expect((await client.getManifest('team/roundtrip', image.digest)).bytes).toEqual(image.bytes);
    await client.putManifest('team/roundtrip', 'v1', {
      mediaType: image.descriptor.mediaType,
      bytes: image.bytes,
    });
    expect(await client.listTags('team/roundtrip')).toEqual(['v1']);
    expect((await client.getManifest('team/roundtrip', 'v1')).digest).toBe(image.digest);
    expect(await client.referrers('team/roundtrip', image.digest)).toBeUndefined(); // Distribution 2.8: no API
    expect(await client.deleteManifest('team/roundtrip', image.digest)).toBe(true);
    expect(await client.findManifest('team/roundtrip', image.digest)).toBeUndefined();
  });

  if (auth === 'basic') {
    it('fails terminally with wrong credentials', async () => {
      const wrong = new OciRegistryClient({
        host: registry.host,
        credentials: staticCredentials({ username: 'tollgate', password: 'nope' }),
      });
      const error = await wrong.listTags('team/x').catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 401, retryable: false });
      expect(isNotFound(error)).toBe(false);
    });
  }
});
