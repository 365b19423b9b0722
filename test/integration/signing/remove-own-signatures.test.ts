import { attestationTag } from '../../../shared/core/formats/manifest/cosign-attestation';
import { createPublicKey, verify } from 'node:crypto';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import { VERDICT_SCHEMA_VERSION, type ApprovedVerdict, type ImageRef } from '../../../shared/core/domain';
import {
  anonymous,
  MediaType,
  OciRegistryClient,
  referrersTag,
  staticCredentials,
  type ImageIndex,
  type ImageManifest,
} from '../../../shared/adapters/oci';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  COSIGN_SIGN_PREDICATE,
  removeOwnSignatures,
  signatureTag,
  signImage,
  type SigningDeps,
} from '../../../shared/app/signing';
import { RegistryReferrerAttacher, RememberingRegistryClient } from '../../../shared/adapters/oci';
import { SigstoreOciAttacher } from '../../helpers/sigstore-oci-attacher';
import { type VerificationResult } from '../../../shared/app/verify';
import { verifyImageSignatures } from '../../helpers/verify-formats';
import {
  localKms,
  pushTestImage,
  pushTestIndex,
  startTestRegistry,
  type LocalKms,
  type TestRegistry,
} from '../../helpers/oci';

jest.setTimeout(60_000);

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

const fastBackoff = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));

const validFormats = (results: readonly VerificationResult[]): string[] =>
  results
    .filter((result) => result.valid)
    .map((result) => result.format)
    .sort();

const ALL = ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'];

describe.each(['anonymous', 'basic'] as const)('removeOwnSignatures against a real %s registry', (auth) => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  let ours: SigningDeps;
  let theirs: SigningDeps;
  let theirKms: LocalKms;
  let counter = 0;
  const nextRepo = (): string => `team/revoked-${auth}-${(counter += 1)}`;

  /** Tollgate wired as functions/sign/deps.ts wires it; another signer attaching with @sigstore/oci. */
  const signer = (
    kms: LocalKms,
    credentials: Parameters<typeof staticCredentials>[0] | undefined,
    wiring: 'tollgate' | 'sigstore-oci',
  ): SigningDeps => {
    const signerKey = new KmsSigner(kms.client, 'alias/any');
    const remembering = new RememberingRegistryClient(client);
    return {
      signer: signerKey,
      publicKey: signerKey,
      registry: wiring === 'tollgate' ? remembering : client,
      referrers:
        wiring === 'tollgate'
          ? new RegistryReferrerAttacher(remembering)
          : new SigstoreOciAttacher(
              client,
              credentials === undefined ? anonymous : staticCredentials(credentials),
            ),
      backoff: fastBackoff,
    };
  };

  beforeAll(async () => {
    registry = await startTestRegistry(auth);
    const credentials =
      registry.credentials === undefined ? anonymous : staticCredentials(registry.credentials);
    client = new OciRegistryClient({ host: registry.host, credentials });
    ours = signer(localKms(), registry.credentials, 'tollgate');
    theirKms = localKms('arn:aws:kms:us-west-2:210987654321:key/someone-else');
    theirs = signer(theirKms, registry.credentials, 'sigstore-oci');
  });

  afterAll(async () => {
    await registry?.stop();
  });

  const verifyWith = (deps: SigningDeps, image: ImageRef): Promise<VerificationResult[]> =>
    verifyImageSignatures({ registry: client, publicKey: deps.publicKey }, image);

  it('takes off our .sig layer and our referrers, and leaves another signer exactly as it was', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await signImage(theirs, image, approved(image), ['cosign-legacy', 'sigstore-bundle']);
    await signImage(ours, image, approved(image));
    const before = JSON.parse(
      (await client.getManifest(repository, signatureTag(pushed.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(before.layers).toHaveLength(2);

    const removed = await removeOwnSignatures(ours, image);

    expect(removed).toEqual({
      digests: [pushed.digest],
      legacyLayers: 1,
      referrers: 2,
      attestationLayers: 1,
      foreignKept: 2,
    });
    expect(validFormats(await verifyWith(ours, image))).toEqual([]);
    expect(validFormats(await verifyWith(theirs, image))).toEqual(['cosign-legacy', 'sigstore-bundle']);

    // The .sig manifest now holds their layer only, byte for byte, with a config listing exactly it.
    const after = JSON.parse(
      (await client.getManifest(repository, signatureTag(pushed.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(after.mediaType).toBe(MediaType.ociManifest);
    expect(after.layers).toEqual([before.layers[0]]);
    const payload = await client.getBlob(repository, after.layers[0]!.digest);
    const signature = Buffer.from(after.layers[0]!.annotations![COSIGN_SIGNATURE_ANNOTATION]!, 'base64');
    expect(verify('sha256', payload, createPublicKey(theirKms.publicKeyPem), signature)).toBe(true);
    const config = JSON.parse((await client.getBlob(repository, after.config.digest)).toString()) as {
      rootfs: { diff_ids: string[] };
      history: unknown[];
    };
    expect(config.rootfs.diff_ids).toEqual([after.layers[0]!.digest]);
    expect(config.history).toHaveLength(1);

    // The tag-schema index lists their bundle only; ours are deleted, not merely unlisted.
    const index = JSON.parse(
      (await client.getManifest(repository, referrersTag(pushed.digest))).bytes.toString(),
    ) as ImageIndex;
    expect(index.manifests.map((entry) => entry.annotations?.['dev.sigstore.bundle.predicateType'])).toEqual([
      COSIGN_SIGN_PREDICATE,
    ]);
    const resigned = await signImage(ours, image, approved(image));
    await removeOwnSignatures(ours, image);
    for (const ref of resigned.filter((r) => r.format !== 'cosign-legacy')) {
      expect(await client.findManifest(repository, ref.reference.split('@')[1]!)).toBeUndefined();
    }
  });

  it('deletes a .sig manifest left without layers, and the image can be signed again afterwards', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await signImage(ours, image, approved(image));

    expect(await removeOwnSignatures(ours, image)).toMatchObject({
      legacyLayers: 1,
      referrers: 2,
      attestationLayers: 1,
      foreignKept: 0,
    });

    expect(await client.findManifest(repository, signatureTag(pushed.digest))).toBeUndefined();
    // The .att held only our layer too: it goes the same way, as `cosign clean` would take it.
    expect(await client.findManifest(repository, attestationTag(pushed.digest))).toBeUndefined();
    const index = JSON.parse(
      (await client.getManifest(repository, referrersTag(pushed.digest))).bytes.toString(),
    ) as ImageIndex;
    expect(index.manifests).toEqual([]);
    expect(validFormats(await verifyWith(ours, image))).toEqual([]);
    // Nothing left over gets in the way of a later approval.
    await signImage(ours, image, approved(image));
    expect(validFormats(await verifyWith(ours, image))).toEqual(ALL);
  });

  it('cleans an index and both of its platform manifests', async () => {
    const repository = nextRepo();
    const pushed = await pushTestIndex(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await signImage(ours, image, approved(image));
    const digests = [pushed.digest, ...pushed.children.map((child) => child.digest)];

    const removed = await removeOwnSignatures(ours, image);

    expect(removed).toEqual({ digests, legacyLayers: 3, referrers: 6, attestationLayers: 3, foreignKept: 0 });
    for (const digest of digests)
      expect(validFormats(await verifyWith(ours, { ...image, digest }))).toEqual([]);
  });

  it('is idempotent, and concurrent removals agree', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await signImage(theirs, image, approved(image), ['cosign-legacy']);
    await signImage(ours, image, approved(image));

    await Promise.all(Array.from({ length: 3 }, () => removeOwnSignatures(ours, image)));
    const again = await removeOwnSignatures(ours, image);

    expect(again).toMatchObject({ legacyLayers: 0, referrers: 0, foreignKept: 1 });
    expect(validFormats(await verifyWith(ours, image))).toEqual([]);
    expect(validFormats(await verifyWith(theirs, image))).toContain('cosign-legacy');
  });

  it('signing keeps another signer’s bundle referrer listed beside ours', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    await signImage(theirs, image, approved(image), ['sigstore-bundle']);

    await signImage(ours, image, approved(image));

    const index = JSON.parse(
      (await client.getManifest(repository, referrersTag(pushed.digest))).bytes.toString(),
    ) as ImageIndex;
    expect(index.manifests).toHaveLength(3);
    expect(validFormats(await verifyWith(theirs, image))).toEqual(['sigstore-bundle']);
    expect(validFormats(await verifyWith(ours, image))).toEqual(ALL);
  });
});
