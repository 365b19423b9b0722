import type { Digest } from '../../../shared/core/domain';
import {
  MediaType,
  parseManifest,
  referrersTag,
  sha256Digest,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type ManifestUpload,
  type PutManifestResult,
  type RegistryClient,
} from '../../../shared/adapters/oci';
import { type ReferrerArtifact } from '../../../shared/app/signing';
import { RegistryReferrerAttacher } from '../../../shared/adapters/oci';
import { MemoryRegistry } from '../../doubles';

const repository = 'team/app';

const artifact = (subject: Digest, text: string, subjectDescriptor?: Descriptor): ReferrerArtifact => ({
  repository,
  subject,
  artifact: Buffer.from(text),
  mediaType: MediaType.sigstoreBundleV03,
  annotations: { 'dev.sigstore.bundle.predicateType': 'https://example.com/p' },
  ...(subjectDescriptor === undefined ? {} : { subjectDescriptor }),
});

const spyOn = (registry: RegistryClient): string[] => {
  const calls: string[] = [];
  for (const name of ['headManifest', 'findManifest', 'referrers', 'putManifest'] as const) {
    const original = registry[name].bind(registry) as (...args: unknown[]) => unknown;
    (registry as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push(`${name} ${String(args[1])}`);
      return original(...args);
    };
  }
  return calls;
};

const indexOf = async (registry: RegistryClient, subject: Digest): Promise<ImageIndex> => {
  const parsed = parseManifest(await registry.getManifest(repository, referrersTag(subject)));
  if (parsed.kind !== 'index') throw new Error('not an index');
  return parsed.manifest;
};

describe('RegistryReferrerAttacher', () => {
  it('pushes a referrer of the subject and lists it in the tag-schema index, without looking the subject up', async () => {
    const registry = new MemoryRegistry({ referrersApi: false });
    const image = await registry.pushImage(repository, 'one');
    const subject: Descriptor = { mediaType: MediaType.ociManifest, digest: image.digest, size: image.size };
    const calls = spyOn(registry);
    const attacher = new RegistryReferrerAttacher(registry);

    const first = await attacher.attach(artifact(image.digest, 'bundle one', subject));
    const second = await attacher.attach(artifact(image.digest, 'bundle two', subject));

    expect(calls.filter((call) => call.startsWith('headManifest'))).toEqual([]);
    const manifest = parseManifest(await registry.getManifest(repository, first)).manifest as ImageManifest;
    expect(manifest).toMatchObject({
      artifactType: MediaType.sigstoreBundleV03,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest('{}'), size: 2 },
      layers: [{ mediaType: MediaType.sigstoreBundleV03, digest: sha256Digest('bundle one') }],
      subject,
      annotations: { 'dev.sigstore.bundle.predicateType': 'https://example.com/p' },
    });
    expect(await registry.getBlob(repository, sha256Digest('bundle one'))).toEqual(Buffer.from('bundle one'));
    const index = await indexOf(registry, image.digest);
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests.map((listed) => listed.digest)).toEqual([first, second]);
    expect(index.manifests[0]).toMatchObject({
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundleV03,
    });
  });

  it('looks the subject up when not given it, and refuses a subject that does not exist', async () => {
    const registry = new MemoryRegistry({ referrersApi: false });
    const image = await registry.pushImage(repository, 'one');
    const attacher = new RegistryReferrerAttacher(registry);
    const digest = await attacher.attach(artifact(image.digest, 'bundle'));
    const manifest = parseManifest(await registry.getManifest(repository, digest)).manifest as ImageManifest;
    expect(manifest.subject).toEqual({
      mediaType: MediaType.ociManifest,
      digest: image.digest,
      size: image.size,
    });

    await expect(attacher.attach(artifact(sha256Digest('nothing'), 'bundle'))).rejects.toThrow(
      'does not exist',
    );
  });

  it('leaves the index alone on a registry whose referrers API lists the referrer, asking once', async () => {
    class WithApi extends MemoryRegistry {
      public override async putManifest(
        repo: string,
        reference: string,
        upload: ManifestUpload,
      ): Promise<PutManifestResult> {
        const result = await super.putManifest(repo, reference, upload);
        const parsed = JSON.parse(upload.bytes.toString()) as { subject?: Descriptor };
        return parsed.subject === undefined ? result : { ...result, subjectDigest: parsed.subject.digest };
      }

      public override referrers(): Promise<readonly Descriptor[] | undefined> {
        return Promise.resolve([]);
      }
    }
    const registry = new WithApi({ referrersApi: false });
    const image = await registry.pushImage(repository, 'one');
    const calls = spyOn(registry);
    const attacher = new RegistryReferrerAttacher(registry);
    await attacher.attach(artifact(image.digest, 'bundle one'));
    await attacher.attach(artifact(image.digest, 'bundle two'));

    expect(calls.filter((call) => call.startsWith('referrers'))).toHaveLength(1);
    expect(calls.some((call) => call.includes(referrersTag(image.digest)))).toBe(false);
  });

  it('refuses to list a referrer in a tag that holds something other than an index', async () => {
    const registry = new MemoryRegistry({ referrersApi: false });
    const image = await registry.pushImage(repository, 'one');
    const other = await registry.pushImage(repository, 'two');
    const stored = await registry.getManifest(repository, other.digest);
    await registry.putManifest(repository, referrersTag(image.digest), {
      mediaType: stored.mediaType,
      bytes: stored.bytes,
    });
    await expect(new RegistryReferrerAttacher(registry).attach(artifact(image.digest, 'b'))).rejects.toThrow(
      'not an OCI index',
    );
  });
});
