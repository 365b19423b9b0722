import { KmsSigner } from '../../../shared/adapters/aws/kms';
import {
  TerminalError,
  VERDICT_SCHEMA_VERSION,
  type ApprovedVerdict,
  type ImageRef,
} from '../../../shared/core/domain';
import {
  anonymous,
  MediaType,
  OciRegistryClient,
  RegistryRequestError,
  type ImageManifest,
} from '../../../shared/adapters/oci';
import {
  removeOwnSignatures,
  SignatureTagImmutableError,
  signatureTag,
  signImage,
  type SigningDeps,
} from '../../../shared/app/signing';
import { RegistryReferrerAttacher, RememberingRegistryClient } from '../../../shared/adapters/oci';
import { SigstoreOciAttacher } from '../../helpers/sigstore-oci-attacher';
import { type VerificationResult } from '../../../shared/app/verify';
import { verifyImageSignatures } from '../../helpers/verify-formats';
import { localKms, pushTestImage, startTestRegistry, type TestRegistry } from '../../helpers/oci';
import { startRegistryFront, type RegistryFront } from '../../../local/registry-front';

jest.setTimeout(60_000);

/**
 * Signing against ECR's tag immutability settings. Distribution has no such setting, so the registry front
 * (local/registry-front, `immutableTags`) before the real registry refuses pushes to existing immutable tags as ECR's
 * OCI endpoint does (400 TAG_INVALID); everything else is the
 * production code against the real registry. The front serves no referrers API here (it is not in ECR mode), so
 * bundles also go through the `sha256-<hex>` tag-schema index, which ECR (with the referrers API) does not need.
 */
const approved = (image: ImageRef): ApprovedVerdict => ({
  schemaVersion: VERDICT_SCHEMA_VERSION,
  outcome: 'APPROVED',
  image,
  mode: 'enforce',
  reasons: [],
  warnings: [],
  decidedAt: '2026-01-02T03:04:05.000Z',
  scan: { scanner: 'ECR_BASIC', status: 'COMPLETE', severityCounts: {} },
  blocking: [],
  blockingTotal: 0,
  exceptionsApplied: [],
});

const valid = (results: readonly VerificationResult[]): string[] =>
  results
    .filter((result) => result.valid)
    .map((result) => result.format)
    .sort();

let registry: TestRegistry;
let proxy: RegistryFront;
let client: OciRegistryClient;
let ours: SigningDeps;
let theirs: SigningDeps;
let counter = 0;

/** Tollgate wired as functions/sign/deps.ts wires it; another signer attaching with @sigstore/oci. */
const signerDeps = (keyArn: string, wiring: 'tollgate' | 'sigstore-oci'): SigningDeps => {
  const signer = new KmsSigner(localKms(keyArn).client, 'alias/any');
  const registry = wiring === 'tollgate' ? new RememberingRegistryClient(client) : client;
  return {
    signer,
    publicKey: signer,
    registry,
    referrers:
      wiring === 'tollgate'
        ? new RegistryReferrerAttacher(registry)
        : new SigstoreOciAttacher(client, anonymous),
    backoff: () => new Promise((resolve) => setTimeout(resolve, 5)),
  };
};

/** Tag pushes the front refused, as `repository:tag`. */
const refusedTags = (): string[] =>
  proxy
    .refused()
    .filter((refusal) => refusal.reason === 'tag-immutable')
    .map((refusal) => `${refusal.repository}:${refusal.reference}`);

const freshImage = async (): Promise<ImageRef> => {
  const repository = `team/immutable-${(counter += 1)}`;
  const pushed = await pushTestImage(client, repository);
  return { registry: proxy.host, repository, digest: pushed.digest };
};

const sigLayers = async (image: ImageRef): Promise<number> =>
  (
    JSON.parse(
      (await client.getManifest(image.repository, signatureTag(image.digest))).bytes.toString(),
    ) as ImageManifest
  ).layers.length;

beforeAll(async () => {
  registry = await startTestRegistry('anonymous');
  proxy = await startRegistryFront({ target: registry.url, immutableTags: { mutability: 'IMMUTABLE' } });
  client = new OciRegistryClient({ host: proxy.host });
  ours = signerDeps('arn:aws:kms:us-west-2:123456789012:key/tollgate', 'tollgate');
  theirs = signerDeps('arn:aws:kms:us-west-2:210987654321:key/someone-else', 'sigstore-oci');
});

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

describe('IMMUTABLE_WITH_EXCLUSION with sha256-* excluded (what immutability: enforce sets)', () => {
  beforeEach(() =>
    proxy.setMutability({ mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: ['sha256-*'] }),
  );

  it('keeps release tags immutable', async () => {
    const image = await freshImage();
    const other = await pushTestImage(client, image.repository);
    const bytes = async (digest: string): Promise<Buffer> =>
      (await client.getManifest(image.repository, digest)).bytes;
    await client.putManifest(image.repository, 'v1', {
      mediaType: MediaType.ociManifest,
      bytes: await bytes(image.digest),
    });

    const move = client.putManifest(image.repository, 'v1', {
      mediaType: MediaType.ociManifest,
      bytes: await bytes(other.digest),
    });

    await expect(move).rejects.toMatchObject({ status: 400, registryCodes: ['TAG_INVALID'] });
    expect((await client.headManifest(image.repository, 'v1'))?.digest).toBe(image.digest);
  });

  it('lets every signer add to the signature tags: theirs, then ours in all three formats', async () => {
    const image = await freshImage();
    await signImage(theirs, image, approved(image), ['cosign-legacy', 'sigstore-bundle']);

    await signImage(ours, image, approved(image));

    expect(await sigLayers(image)).toBe(2);
    expect(
      valid(await verifyImageSignatures({ registry: client, publicKey: ours.publicKey }, image)),
    ).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    expect(
      valid(await verifyImageSignatures({ registry: client, publicKey: theirs.publicKey }, image)),
    ).toEqual(['cosign-legacy', 'sigstore-bundle']);
    expect(refusedTags().filter((tag) => tag.startsWith(`${image.repository}:`))).toEqual([]);
  });

  it('lets a revocation take our layer out and a later approval sign again', async () => {
    const image = await freshImage();
    await signImage(theirs, image, approved(image), ['cosign-legacy']);
    await signImage(ours, image, approved(image));

    await removeOwnSignatures(ours, image);
    expect(await sigLayers(image)).toBe(1);
    await signImage(ours, image, approved(image));

    expect(await sigLayers(image)).toBe(2);
    expect(
      valid(await verifyImageSignatures({ registry: client, publicKey: ours.publicKey }, image)),
    ).toHaveLength(3);
  });
});

describe('plain IMMUTABLE: only the first signature of each tag ever lands', () => {
  beforeEach(() => proxy.setMutability({ mutability: 'IMMUTABLE' }));

  it('the first .sig signature lands', async () => {
    const image = await freshImage();

    await signImage(ours, image, approved(image), ['cosign-legacy']);

    expect(await sigLayers(image)).toBe(1);
  });

  it('adding our signature next to another signer’s is refused, with a message saying what to change', async () => {
    const image = await freshImage();
    await signImage(theirs, image, approved(image), ['cosign-legacy']);

    const signing = signImage(ours, image, approved(image), ['cosign-legacy']);

    await expect(signing).rejects.toBeInstanceOf(SignatureTagImmutableError);
    await expect(signing).rejects.toThrow(/IMMUTABLE_WITH_EXCLUSION with the exclusion filter sha256-\*/);
    expect(await sigLayers(image)).toBe(1);
    expect(
      valid(await verifyImageSignatures({ registry: client, publicKey: ours.publicKey }, image)),
    ).toEqual([]);
  });

  it('another signer adding after Tollgate is refused just the same', async () => {
    const image = await freshImage();
    await signImage(ours, image, approved(image), ['cosign-legacy']);

    await expect(signImage(theirs, image, approved(image), ['cosign-legacy'])).rejects.toBeInstanceOf(
      SignatureTagImmutableError,
    );
    expect(await sigLayers(image)).toBe(1);
  });

  it('on a registry without the referrers API, the second bundle cannot be listed in the sha256-<hex> index', async () => {
    const image = await freshImage();

    const signing = signImage(ours, image, approved(image), ['sigstore-bundle', 'vuln-attestation']);

    await expect(signing).rejects.toBeInstanceOf(TerminalError);
    expect(refusedTags()).toContain(`${image.repository}:${image.digest.replace(':', '-')}`);
    const results = await verifyImageSignatures({ registry: client, publicKey: ours.publicKey }, image, {
      formats: ['sigstore-bundle', 'vuln-attestation'],
    });
    expect(valid(results)).toEqual(['sigstore-bundle']);
  });

  it('a revocation cannot take our layer out from beside another signer’s; alone, the .sig is deleted', async () => {
    const shared = await freshImage();
    await signImage(theirs, shared, approved(shared), ['cosign-legacy']);
    proxy.setMutability({ mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: ['sha256-*'] });
    await signImage(ours, shared, approved(shared), ['cosign-legacy']);
    proxy.setMutability({ mutability: 'IMMUTABLE' });

    await expect(removeOwnSignatures(ours, shared)).rejects.toBeInstanceOf(SignatureTagImmutableError);
    expect(await sigLayers(shared)).toBe(2);

    // Deleting is not moving a tag: ECR allows it under IMMUTABLE too.
    const alone = await freshImage();
    await signImage(ours, alone, approved(alone), ['cosign-legacy']);
    await expect(removeOwnSignatures(ours, alone)).resolves.toMatchObject({ legacyLayers: 1 });
    await expect(client.getManifest(alone.repository, signatureTag(alone.digest))).rejects.toBeInstanceOf(
      RegistryRequestError,
    );
  });
});
