import { createPublicKey, verify } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, Verifier } from '@sigstore/verify';
import { SignCommand } from '@aws-sdk/client-kms';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import {
  VERDICT_SCHEMA_VERSION,
  type ApprovedVerdict,
  type Digest,
  type ImageRef,
} from '../../../shared/core/domain';
import {
  anonymous,
  MediaType,
  OciRegistryClient,
  parseManifest,
  referrersTag,
  sha256Digest,
  staticCredentials,
  type ImageIndex,
  type ImageManifest,
} from '../../../shared/adapters/oci';
import { attestationTag } from '../../../shared/core/formats/manifest/cosign-attestation';
import {
  COSIGN_SIGN_PREDICATE,
  COSIGN_VULN_PREDICATE,
  signatureManifest,
  signatureTag,
  signImage,
  type SigningDeps,
} from '../../../shared/app/signing';
import { RegistryReferrerAttacher, RememberingRegistryClient } from '../../../shared/adapters/oci';
import { verifyAttestationEnvelope } from '../../../shared/core/verify/attestation-envelope';
import { cosignKeyHint, publicKeyTrustMaterial, type VerificationResult } from '../../../shared/app/verify';
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
  decidedAt: '2025-01-02T03:04:05.000Z',
  policyDigest: `sha256:${'ab'.repeat(32)}`,
  scan: {
    scanner: 'INSPECTOR',
    status: 'COMPLETE',
    completedAt: '2025-01-02T03:00:00.000Z',
    severityCounts: { LOW: 2 },
  },
  blocking: [],
  blockingTotal: 0,
  exceptionsApplied: [{ id: 'CVE-2024-0001', reason: 'not reachable', expires: '2026-01-01', matched: 1 }],
});

const fastBackoff = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));

describe.each(['anonymous', 'basic'] as const)('signImage against a real %s registry', (auth) => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  let kms: LocalKms;
  let deps: SigningDeps;
  let repoCounter = 0;
  const nextRepo = (): string => `team/app-${auth}-${(repoCounter += 1)}`;

  beforeAll(async () => {
    registry = await startTestRegistry(auth);
    const credentials =
      registry.credentials === undefined ? anonymous : staticCredentials(registry.credentials);
    client = new OciRegistryClient({ host: registry.host, credentials });
    kms = localKms();
    const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
    // Wired as the sign function wires them (functions/sign/deps.ts); one set shared by every concurrent signer
    // below, so what it remembers is exercised with interleaved requests.
    const remembering = new RememberingRegistryClient(client);
    deps = {
      signer,
      publicKey: signer,
      registry: remembering,
      referrers: new RegistryReferrerAttacher(remembering),
      backoff: fastBackoff,
    };
  });

  afterAll(async () => {
    await registry?.stop();
  });

  const valid = (results: VerificationResult[]): string[] =>
    results
      .filter((result) => result.valid)
      .map((result) => result.format)
      .sort();

  it('writes all three formats exactly as cosign, Kyverno and policy-controller read them', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };

    const refs = await signImage(deps, image, approved(image));

    expect(refs.map((ref) => ref.format)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    // Every KMS call hashed locally.
    for (const call of kms.mock.calls()) {
      const input = call.args[0].input as { MessageType?: string };
      if ('Message' in call.args[0].input) expect(input.MessageType).toBe('DIGEST');
    }

    // Legacy .sig: manifest, config, layer, payload, annotation.
    const sig = await client.getManifest(repository, signatureTag(pushed.digest));
    expect(sig.mediaType).toBe(MediaType.ociManifest);
    const sigManifest = JSON.parse(sig.bytes.toString()) as ImageManifest;
    expect(sigManifest.mediaType).toBe(MediaType.ociManifest);
    expect(sigManifest.config.mediaType).toBe(MediaType.ociConfig);
    expect(sigManifest.layers).toHaveLength(1);
    const layer = sigManifest.layers[0]!;
    expect(layer.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    expect(Object.keys(layer.annotations ?? {})).toEqual(['dev.cosignproject.cosign/signature']);
    const payload = await client.getBlob(repository, layer.digest);
    expect(payload.toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"${registry.host}/${repository}"},"image":{"docker-manifest-digest":"${pushed.digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    const config = JSON.parse(
      (await client.getBlob(repository, sigManifest.config.digest)).toString(),
    ) as Record<string, unknown>;
    expect(config).toEqual({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      config: {},
    });
    const key = createPublicKey(kms.publicKeyPem);
    expect(
      verify(
        'sha256',
        payload,
        key,
        Buffer.from(layer.annotations!['dev.cosignproject.cosign/signature']!, 'base64'),
      ),
    ).toBe(true);

    // Bundles: the tag-schema index (Distribution 2.8 has no referrers API) lists both referrers.
    const index = JSON.parse(
      (await client.getManifest(repository, referrersTag(pushed.digest))).bytes.toString(),
    ) as ImageIndex;
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests).toHaveLength(2);
    const predicateTypes = [];
    for (const entry of index.manifests) {
      expect(entry.artifactType).toBe(MediaType.sigstoreBundleV03);
      const referrer = await client.getManifest(repository, entry.digest);
      const manifest = JSON.parse(referrer.bytes.toString()) as ImageManifest;
      expect(manifest.artifactType).toBe(MediaType.sigstoreBundleV03);
      expect(manifest.config).toMatchObject({
        mediaType: MediaType.ociEmpty,
        size: 2,
        digest: sha256Digest('{}'),
      });
      expect((await client.getBlob(repository, manifest.config.digest)).toString()).toBe('{}');
      expect(manifest.subject).toEqual({
        mediaType: MediaType.ociManifest,
        digest: pushed.digest,
        size: pushed.bytes.length,
      });
      expect(manifest.layers).toHaveLength(1);
      expect(manifest.layers[0]!.mediaType).toBe(MediaType.sigstoreBundleV03);
      expect(manifest.annotations?.['dev.sigstore.bundle.content']).toBe('dsse-envelope');
      predicateTypes.push(manifest.annotations?.['dev.sigstore.bundle.predicateType']);

      // The @sigstore/verify path on its own, with the KMS key as the only trust root.
      const bundle = bundleFromJSON(
        JSON.parse((await client.getBlob(repository, manifest.layers[0]!.digest)).toString()),
      );
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      // cosign's own hint for a key (base64 SHA-256 of its SPKI DER), and an empty DSSE keyid: go-securesystemslib
      // skips a signature whose non-empty keyid is not the key's SHA256KeyID.
      expect(bundle.verificationMaterial.content).toEqual({
        $case: 'publicKey',
        publicKey: { hint: cosignKeyHint(key) },
      });
      expect(bundle.content.$case === 'dsseEnvelope' && bundle.content.dsseEnvelope.signatures).toEqual([
        { keyid: '', sig: expect.any(Buffer) as Buffer },
      ]);
      expect(bundle.verificationMaterial.tlogEntries).toEqual([]);
      new Verifier(publicKeyTrustMaterial(key), {
        tlogThreshold: 0,
        ctlogThreshold: 0,
        timestampThreshold: 0,
      }).verify(toSignedEntity(bundle));
      const envelope = bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope : undefined;
      const statement = JSON.parse(envelope!.payload.toString()) as Record<string, unknown>;
      expect(statement).toMatchObject({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: `${registry.host}/${repository}`, digest: { sha256: pushed.digest.slice(7) } }],
        predicateType: manifest.annotations?.['dev.sigstore.bundle.predicateType'],
      });
      if (statement.predicateType === COSIGN_SIGN_PREDICATE) expect(statement.predicate).toEqual({});
      if (statement.predicateType === COSIGN_VULN_PREDICATE) {
        expect(statement.predicate).toMatchObject({
          scanner: {
            result: {
              verdict: 'APPROVED',
              severityCounts: { LOW: 2 },
              policyDigest: `sha256:${'ab'.repeat(32)}`,
            },
          },
          metadata: { scanFinishedOn: '2025-01-02T03:00:00.000Z' },
        });
      }
    }
    expect(predicateTypes.sort()).toEqual([COSIGN_VULN_PREDICATE, COSIGN_SIGN_PREDICATE].sort());

    // The vulnerability attestation again, as `cosign attest` lays it out for the readers of .att (cosign up to
    // 2.6.2, policy-controller, Kyverno type: Cosign): a DSSE envelope layer with the predicate type annotation.
    const att = JSON.parse(
      (await client.getManifest(repository, attestationTag(pushed.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(att.config.mediaType).toBe(MediaType.ociConfig);
    expect(att.layers).toEqual([
      expect.objectContaining({
        mediaType: 'application/vnd.dsse.envelope.v1+json',
        annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: COSIGN_VULN_PREDICATE },
      }),
    ]);
    const envelope = await client.getBlob(repository, att.layers[0]!.digest);
    expect(Object.keys(JSON.parse(envelope.toString()) as object)).toEqual([
      'payloadType',
      'payload',
      'signatures',
    ]);
    expect(
      verifyAttestationEnvelope(
        envelope,
        { digest: pushed.digest, predicateType: COSIGN_VULN_PREDICATE },
        key,
      ),
    ).toMatchObject({ valid: true });

    // And the project's own verifier accepts all three.
    const results = await verifyImageSignatures({ registry: client, publicKey: deps.publicKey }, image);
    expect(results.every((result) => result.valid)).toBe(true);
    expect(valid(results)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
  });

  it('keeps a foreign signature already in the .sig manifest and adds ours beside it', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    const foreignPayload = Buffer.from(
      `{"critical":{"identity":{"docker-reference":"${registry.host}/${repository}"},"image":{"docker-manifest-digest":"${pushed.digest}"},"type":"cosign container image signature"},"optional":{"creator":"someone else"}}`,
    );
    const foreign = signatureManifest([], { payload: foreignPayload, signature: 'MEUCIQforeign' });
    for (const blob of foreign.blobs) await client.putBlob(repository, blob.bytes);
    await client.putManifest(repository, signatureTag(pushed.digest), {
      mediaType: MediaType.ociManifest,
      bytes: foreign.bytes,
    });

    await signImage(deps, image, approved(image), ['cosign-legacy']);

    const sig = parseManifest(await client.getManifest(repository, signatureTag(pushed.digest)));
    expect(sig.kind).toBe('image');
    const layers = (sig.manifest as ImageManifest).layers;
    expect(layers).toHaveLength(2);
    expect(layers[0]).toEqual(foreign.manifest.layers[0]);
    const config = JSON.parse(
      (await client.getBlob(repository, (sig.manifest as ImageManifest).config.digest)).toString(),
    ) as {
      rootfs: { diff_ids: string[] };
    };
    expect(config.rootfs.diff_ids).toEqual(layers.map((layer) => layer.digest));
    const results = await verifyImageSignatures({ registry: client, publicKey: deps.publicKey }, image, {
      formats: ['cosign-legacy'],
    });
    expect(results.map((result) => result.valid)).toEqual([false, true]);
  });

  it('signing the same digest 5 times concurrently leaves one signature per format', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };

    const all = await Promise.all(Array.from({ length: 5 }, () => signImage(deps, image, approved(image))));

    const sig = JSON.parse(
      (await client.getManifest(repository, signatureTag(pushed.digest))).bytes.toString(),
    ) as ImageManifest;
    expect(sig.layers).toHaveLength(1);
    const index = JSON.parse(
      (await client.getManifest(repository, referrersTag(pushed.digest))).bytes.toString(),
    ) as ImageIndex;
    const kinds = index.manifests
      .map((entry) => entry.annotations?.['dev.sigstore.bundle.predicateType'])
      .sort();
    expect(kinds).toEqual([COSIGN_VULN_PREDICATE, COSIGN_SIGN_PREDICATE].sort());
    // The bundle that stayed was reported to a caller, and every reported bundle still exists and verifies
    // (a caller that settled before a late concurrent attach may report one that was unlisted afterwards).
    const listed = index.manifests.map((entry) => `${registry.host}/${repository}@${entry.digest}`);
    const reported = all.flatMap((refs) =>
      refs.filter((ref) => ref.format !== 'cosign-legacy').map((ref) => ref.reference),
    );
    for (const reference of listed) expect(reported).toContain(reference);
    for (const reference of new Set(reported)) {
      const manifest = await client.getManifest(repository, reference.split('@')[1]!);
      expect((JSON.parse(manifest.bytes.toString()) as ImageManifest).subject?.digest).toBe(pushed.digest);
    }
    const results = await verifyImageSignatures({ registry: client, publicKey: deps.publicKey }, image);
    expect(results).toHaveLength(3);
    expect(valid(results)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
  });

  it('signing again is a no-op: the same references, no new KMS signature', async () => {
    const repository = nextRepo();
    const pushed = await pushTestImage(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    const first = await signImage(deps, image, approved(image));
    const signsBefore = kms.mock.commandCalls(SignCommand).length;

    const second = await signImage(deps, image, approved(image));

    expect(second).toEqual(first);
    expect(kms.mock.commandCalls(SignCommand)).toHaveLength(signsBefore);
  });

  it('signs an index and both of its platform manifests: 3 digests', async () => {
    const repository = nextRepo();
    const pushed = await pushTestIndex(client, repository);
    const image: ImageRef = { registry: registry.host, repository, digest: pushed.digest };
    const signed: Digest[] = [];

    const refs = await signImage(
      { ...deps, beforeSign: (target) => Promise.resolve(void signed.push(target.digest)) },
      image,
      approved(image),
    );

    // Every digest is put to beforeSign before any is signed, then each again right before it is signed.
    const digests = [pushed.digest, ...pushed.children.map((child) => child.digest)];
    expect(signed).toEqual([...digests, ...digests.slice(1)]);
    expect(refs).toHaveLength(9);
    for (const digest of signed) {
      const results = await verifyImageSignatures(
        { registry: client, publicKey: deps.publicKey },
        { ...image, digest },
      );
      expect(valid(results)).toEqual(['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    }
  });
});
