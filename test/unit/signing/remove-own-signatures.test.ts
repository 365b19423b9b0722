import { KmsSigner } from '../../../shared/adapters/aws/kms';
import type { Digest, ImageRef } from '../../../shared/core/domain';
import { manifestBytes, MediaType, sha256Digest, type ImageManifest } from '../../../shared/adapters/oci';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  removeOwnSignatures,
  signatureManifestWithLayers,
  signatureTag,
  signImage,
  type SigningDeps,
} from '../../../shared/app/signing';
import { approvedVerdict, localKms, MemoryReferrers, MemoryRegistry } from '../../doubles';

const REPOSITORY = 'team/app';

const setUp = (): { registry: MemoryRegistry; ours: SigningDeps } => {
  const registry = new MemoryRegistry({ referrersApi: false });
  const signer = new KmsSigner(localKms().client, 'alias/tollgate-signing');
  return {
    registry,
    ours: {
      signer,
      publicKey: signer,
      registry,
      referrers: new MemoryReferrers(registry),
      backoff: () => Promise.resolve(),
    },
  };
};

const sig = async (registry: MemoryRegistry, digest: Digest): Promise<ImageManifest> =>
  JSON.parse(
    (await registry.getManifest(REPOSITORY, signatureTag(digest))).bytes.toString(),
  ) as ImageManifest;

describe('removeOwnSignatures', () => {
  it('keeps layers that are not ours: bad signatures, other media types, and annotations of the manifest', async () => {
    const { registry, ours } = setUp();
    const { digest } = await registry.pushImage(REPOSITORY, 'x');
    const image: ImageRef = { registry: registry.host, repository: REPOSITORY, digest };
    const garbage = Buffer.from('{"not":"a payload"}');
    const other = Buffer.from('an attestation of some other kind');
    await registry.putBlob(REPOSITORY, garbage);
    await registry.putBlob(REPOSITORY, other);
    const foreign = signatureManifestWithLayers(
      [
        {
          mediaType: MediaType.cosignSimpleSigning,
          size: garbage.length,
          digest: sha256Digest(garbage),
          annotations: { [COSIGN_SIGNATURE_ANNOTATION]: 'bm90IGEgc2lnbmF0dXJl' },
        },
        { mediaType: 'application/vnd.example.other', size: other.length, digest: sha256Digest(other) },
      ],
      { 'org.example/owner': 'someone' },
    );
    for (const blob of foreign.blobs) await registry.putBlob(REPOSITORY, blob.bytes);
    await registry.putManifest(REPOSITORY, signatureTag(digest), {
      mediaType: MediaType.ociManifest,
      bytes: foreign.bytes,
    });
    await signImage(ours, image, approvedVerdict(image), ['cosign-legacy']);
    expect((await sig(registry, digest)).layers).toHaveLength(3);

    const removed = await removeOwnSignatures(ours, image);

    expect(removed).toEqual({
      digests: [digest],
      legacyLayers: 1,
      referrers: 0,
      attestationLayers: 0,
      foreignKept: 2,
    });
    const after = await sig(registry, digest);
    expect(after).toEqual(foreign.manifest);
  });

  it('leaves a .sig tag that holds no signature manifest alone', async () => {
    const { registry, ours } = setUp();
    const { digest, size } = await registry.pushImage(REPOSITORY, 'y');
    const index = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ mediaType: MediaType.ociManifest, digest, size }],
    });
    await registry.putManifest(REPOSITORY, signatureTag(digest), {
      mediaType: MediaType.ociIndex,
      bytes: index,
    });
    const writes = registry.writes.length;

    const removed = await removeOwnSignatures(ours, { repository: REPOSITORY, digest });

    expect(removed).toMatchObject({ legacyLayers: 0, referrers: 0 });
    expect(registry.writes).toHaveLength(writes);
  });

  it('cleans the children the record names when the index itself is already gone', async () => {
    const { registry, ours } = setUp();
    const child = await registry.pushImage(REPOSITORY, 'child');
    const childRef: ImageRef = { registry: registry.host, repository: REPOSITORY, digest: child.digest };
    await signImage(ours, childRef, approvedVerdict(childRef));
    const goneIndex = `sha256:${'0'.repeat(64)}` as Digest;

    const removed = await removeOwnSignatures(
      ours,
      { repository: REPOSITORY, digest: goneIndex },
      { children: [child.digest] },
    );

    expect(removed).toEqual({
      digests: [goneIndex, child.digest],
      legacyLayers: 1,
      referrers: 2,
      attestationLayers: 1,
      foreignKept: 0,
    });
  });

  it('reads again when the .sig changed between its read and our write', async () => {
    const { registry, ours } = setUp();
    const { digest } = await registry.pushImage(REPOSITORY, 'z');
    const image: ImageRef = { registry: registry.host, repository: REPOSITORY, digest };
    await signImage(ours, image, approvedVerdict(image), ['cosign-legacy']);
    const head = registry.headManifest.bind(registry);
    let raced = false;
    registry.headManifest = async (repository, reference) => {
      const found = await head(repository, reference);
      if (raced || reference !== signatureTag(digest) || found === undefined) return found;
      raced = true;
      return { ...found, digest: sha256Digest('someone else wrote in between') };
    };

    const removed = await removeOwnSignatures(ours, image);

    expect(raced).toBe(true);
    expect(removed.legacyLayers).toBe(1);
    expect(await registry.findManifest(REPOSITORY, signatureTag(digest))).toBeUndefined();
  });
});
