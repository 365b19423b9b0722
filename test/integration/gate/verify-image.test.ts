import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../cli/command';
import { main } from '../../../cli/main';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import type { Digest, ImageRef } from '../../../shared/core/domain';
import {
  anonymous,
  MediaType,
  OciRegistryClient,
  parseManifest,
  staticCredentials,
  type ImageManifest,
  type RegistryClient,
} from '../../../shared/adapters/oci';
import {
  bundleReferrerAnnotations,
  signatureManifest,
  signatureTag,
  signImage,
  simpleSigningPayload,
} from '../../../shared/app/signing';
import { SigstoreOciAttacher } from '../../helpers/sigstore-oci-attacher';
import { readBundleReferrers, type SignatureFormat } from '../../../shared/app/verify';
import {
  localKms,
  pushTestImage,
  signDigestP256,
  startTestRegistry,
  type LocalKms,
  type TestRegistry,
} from '../../helpers/oci';
import { approvedVerdict } from '../../unit/gate/fixtures';
import { closedPort, startKmsEndpoint } from './kms-endpoint';

jest.setTimeout(60_000);

interface JsonOutput {
  image: string;
  digest: string | null;
  verified: boolean;
  signatures: { format: string; valid: boolean; reason: string; code?: string; reference?: string }[];
  attestation: { required: boolean; valid: boolean; status: string; reason: string };
  failures: string[];
}

const cli = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  const code = await main(['verify', ...argv], io);
  return { code, stdout, stderr };
};

const verifyJson = async (
  ...argv: string[]
): Promise<{ code: number; output: JsonOutput; stderr: string }> => {
  const { code, stdout, stderr } = await cli(...argv, '--json');
  if (stdout === '') throw new Error(`no output (exit ${code}): ${stderr}`);
  return { code, output: JSON.parse(stdout) as JsonOutput, stderr };
};

const codes = (output: JsonOutput): [string, string | undefined][] =>
  output.signatures.map((signature) => [signature.format, signature.code]);

describe('tollgate verify against a real registry, with signatures from the signing module', () => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  let kms: LocalKms;
  let dir: string;
  let keyFile: string;
  let otherKeyFile: string;
  let counter = 0;
  const nextRepo = (): string => `gate/app-${(counter += 1)}`;

  beforeAll(async () => {
    registry = await startTestRegistry('anonymous');
    client = new OciRegistryClient({ host: registry.host });
    kms = localKms();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-verify-'));
    keyFile = join(dir, 'tollgate.pub');
    writeFileSync(keyFile, kms.publicKeyPem);
    otherKeyFile = join(dir, 'other.pub');
    writeFileSync(otherKeyFile, localKms().publicKeyPem);
  });

  afterAll(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const sign = async (
    image: ImageRef,
    formats: readonly SignatureFormat[],
    options: { readonly scanFinishedOn?: string; readonly kms?: LocalKms } = {},
  ): Promise<void> => {
    const signer = new KmsSigner((options.kms ?? kms).client, 'alias/tollgate-signing');
    await signImage(
      {
        signer,
        publicKey: signer,
        registry: client,
        referrers: new SigstoreOciAttacher(client, anonymous),
        backoff: () => new Promise((resolve) => setTimeout(resolve, 10)),
      },
      image,
      approvedVerdict(image, options.scanFinishedOn ?? new Date(Date.now() - 3_600_000).toISOString()),
      formats,
    );
  };

  const pushed = async (repository: string): Promise<ImageRef> => ({
    registry: registry.host,
    repository,
    digest: (await pushTestImage(client, repository)).digest,
  });
  const ref = (image: ImageRef): string => `${image.registry}/${image.repository}@${image.digest}`;

  /** Copies a manifest and the blobs it names from one repository to another (or to another tag). */
  const copyManifest = async (
    from: string,
    reference: string,
    to: string,
    toReference = reference,
  ): Promise<void> => {
    const fetched = await client.getManifest(from, reference);
    const parsed = parseManifest(fetched);
    if (parsed.kind === 'image') {
      for (const blob of [parsed.manifest.config, ...parsed.manifest.layers]) {
        await client.putBlob(to, await client.getBlob(from, blob.digest));
      }
    }
    await client.putManifest(to, toReference, { mediaType: fetched.mediaType, bytes: fetched.bytes });
  };

  /** Attaches, as a referrer of `subject` in `to`, every bundle that refers to `from@digest`. */
  const copyBundles = async (from: string, digest: Digest, to: string, subject: Digest): Promise<void> => {
    const attacher = new SigstoreOciAttacher(client, anonymous);
    for (const stored of (await readBundleReferrers(client, from, digest)).bundles) {
      await attacher.attach({
        repository: to,
        subject,
        artifact: stored.bundle,
        mediaType: MediaType.sigstoreBundleV03,
        annotations: bundleReferrerAnnotations(stored.claimedPredicateType!),
      });
    }
  };

  it('accepts a valid legacy signature', async () => {
    const image = await pushed(nextRepo());
    await sign(image, ['cosign-legacy']);
    const { code, output, stderr } = await verifyJson(ref(image), '--key', keyFile);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(output).toMatchObject({ image: ref(image), digest: image.digest, verified: true, failures: [] });
    expect(output.signatures).toEqual([
      expect.objectContaining({
        format: 'cosign-legacy',
        valid: true,
        reference: `${registry.host}/${image.repository}:${signatureTag(image.digest)}#0`,
      }),
    ]);
  });

  it('accepts a valid Sigstore bundle', async () => {
    const image = await pushed(nextRepo());
    await sign(image, ['sigstore-bundle']);
    const { code, output } = await verifyJson(ref(image), '--key', keyFile);
    expect(code).toBe(0);
    expect(output.signatures).toEqual([expect.objectContaining({ format: 'sigstore-bundle', valid: true })]);
  });

  it('refuses every signature made by another key: SIGNATURE_INVALID', async () => {
    const image = await pushed(nextRepo());
    await sign(image, ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation']);
    const { code, output, stderr } = await verifyJson(
      ref(image),
      '--key',
      otherKeyFile,
      '--require-attestation',
    );
    expect(code).toBe(1);
    expect(codes(output)).toEqual([
      ['cosign-legacy', 'SIGNATURE_INVALID'],
      ['sigstore-bundle', 'SIGNATURE_INVALID'],
    ]);
    expect(output.attestation).toMatchObject({
      status: 'INVALID',
      reason: expect.stringMatching(/^SIGNATURE_INVALID/) as unknown,
    });
    expect(stderr.trimEnd().split('\n')).toHaveLength(2);
  });

  it("refuses another digest's genuine signature: DIGEST_MISMATCH (legacy) and SUBJECT_MISMATCH (bundle)", async () => {
    const repository = nextRepo();
    const signed = await pushed(repository);
    const unsigned = await pushed(repository);
    await sign(signed, ['cosign-legacy', 'sigstore-bundle']);
    await copyManifest(repository, signatureTag(signed.digest), repository, signatureTag(unsigned.digest));
    await copyBundles(repository, signed.digest, repository, unsigned.digest);

    const { code, output } = await verifyJson(ref(unsigned), '--key', keyFile);
    expect(code).toBe(1);
    expect(codes(output)).toEqual([
      ['cosign-legacy', 'DIGEST_MISMATCH'],
      ['sigstore-bundle', 'SUBJECT_MISMATCH'],
    ]);
  });

  it('refuses a payload whose digest was edited after signing: SIGNATURE_INVALID', async () => {
    const repository = nextRepo();
    const signed = await pushed(repository);
    const target = await pushed(repository);
    await sign(signed, ['cosign-legacy']);
    const sig = parseManifest(await client.getManifest(repository, signatureTag(signed.digest)))
      .manifest as ImageManifest;
    const annotation = sig.layers[0]!.annotations!['dev.cosignproject.cosign/signature']!;
    // Same signature, payload rewritten to name the other digest.
    const edited = simpleSigningPayload(`${registry.host}/${repository}`, target.digest);
    const forged = signatureManifest([], { payload: edited, signature: annotation });
    for (const blob of forged.blobs) await client.putBlob(repository, blob.bytes);
    await client.putManifest(repository, signatureTag(target.digest), {
      mediaType: MediaType.ociManifest,
      bytes: forged.bytes,
    });

    const { code, output } = await verifyJson(ref(target), '--key', keyFile);
    expect(code).toBe(1);
    expect(codes(output)).toEqual([['cosign-legacy', 'SIGNATURE_INVALID']]);
  });

  it('refuses a signature copied from another repository: IDENTITY_MISMATCH for both formats', async () => {
    const original = await pushed(nextRepo());
    const copyRepository = nextRepo();
    await sign(original, ['cosign-legacy', 'sigstore-bundle']);
    await copyManifest(original.repository, original.digest, copyRepository);
    await copyManifest(original.repository, signatureTag(original.digest), copyRepository);
    await copyBundles(original.repository, original.digest, copyRepository, original.digest);
    const copy: ImageRef = { ...original, repository: copyRepository };

    const { code, output } = await verifyJson(ref(copy), '--key', keyFile);
    expect(code).toBe(1);
    expect(codes(output)).toEqual([
      ['cosign-legacy', 'IDENTITY_MISMATCH'],
      ['sigstore-bundle', 'IDENTITY_MISMATCH'],
    ]);
    expect(output.signatures[0]!.reason).toBe(
      `signed for ${registry.host}/${original.repository}, not ${registry.host}/${copyRepository}`,
    );
    expect((await verifyJson(ref(original), '--key', keyFile)).code).toBe(0);
  });

  it('checks the digest the tag points to now: a tag moved to an unsigned digest is refused', async () => {
    const repository = nextRepo();
    const signed = await pushed(repository);
    await sign(signed, ['cosign-legacy', 'sigstore-bundle']);
    const signedManifest = await client.getManifest(repository, signed.digest);
    await client.putManifest(repository, 'v1', {
      mediaType: signedManifest.mediaType,
      bytes: signedManifest.bytes,
    });
    expect((await verifyJson(`${registry.host}/${repository}:v1`, '--key', keyFile)).output).toMatchObject({
      digest: signed.digest,
      verified: true,
    });

    const unsigned = await pushed(repository);
    const unsignedManifest = await client.getManifest(repository, unsigned.digest);
    await client.putManifest(repository, 'v1', {
      mediaType: unsignedManifest.mediaType,
      bytes: unsignedManifest.bytes,
    });

    const { code, output, stderr } = await verifyJson(`${registry.host}/${repository}:v1`, '--key', keyFile);
    expect(code).toBe(1);
    expect(output).toMatchObject({
      image: `${registry.host}/${repository}:v1`,
      digest: unsigned.digest,
      signatures: [],
    });
    expect(stderr).toMatch(
      /^tollgate verify: signature: none found for .*@sha256:[0-9a-f]{64} \(no sha256-[0-9a-f]{64}\.sig and no Sigstore bundle referrer\)\n$/,
    );
  });

  it('lists a third party’s forged .sig layer as invalid, and refuses the image when it is all there is', async () => {
    const repository = nextRepo();
    const image = await pushed(repository);
    await sign(image, ['cosign-legacy']);
    // A third party with push access writes a layer with the right payload and a signature from their own key.
    const intruder = localKms();
    const payload = simpleSigningPayload(`${registry.host}/${repository}`, image.digest);
    const forgedLayer = {
      payload,
      signature: signDigestP256(intruder.privateKey, createHash('sha256').update(payload).digest()).toString(
        'base64',
      ),
    };
    const ours = parseManifest(await client.getManifest(repository, signatureTag(image.digest)))
      .manifest as ImageManifest;

    const appended = signatureManifest(ours.layers, forgedLayer);
    for (const blob of appended.blobs) await client.putBlob(repository, blob.bytes);
    await client.putManifest(repository, signatureTag(image.digest), {
      mediaType: MediaType.ociManifest,
      bytes: appended.bytes,
    });
    const mixed = await verifyJson(ref(image), '--key', keyFile);
    expect(mixed.code).toBe(0);
    expect(codes(mixed.output)).toEqual([
      ['cosign-legacy', undefined],
      ['cosign-legacy', 'SIGNATURE_INVALID'],
    ]);

    const replaced = signatureManifest([], forgedLayer);
    for (const blob of replaced.blobs) await client.putBlob(repository, blob.bytes);
    await client.putManifest(repository, signatureTag(image.digest), {
      mediaType: MediaType.ociManifest,
      bytes: replaced.bytes,
    });
    const alone = await verifyJson(ref(image), '--key', keyFile);
    expect(alone.code).toBe(1);
    expect(codes(alone.output)).toEqual([['cosign-legacy', 'SIGNATURE_INVALID']]);
    // The intruder's own key accepts the same layer: the refusal is about whom we trust, not about form.
    const intruderKeyFile = join(dir, 'intruder.pub');
    writeFileSync(intruderKeyFile, intruder.publicKeyPem);
    expect((await verifyJson(ref(image), '--key', intruderKeyFile)).code).toBe(0);
  });

  it('refuses an expired vulnerability attestation under --require-attestation', async () => {
    const image = await pushed(nextRepo());
    const thirtyDaysAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    await sign(image, ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'], {
      scanFinishedOn: thirtyDaysAgo,
    });

    const { code, output, stderr } = await verifyJson(
      ref(image),
      '--key',
      keyFile,
      '--require-attestation',
      '--max-age',
      '7d',
    );
    expect(code).toBe(1);
    expect(output.signatures.every((signature) => signature.valid)).toBe(true);
    expect(output.attestation).toMatchObject({
      required: true,
      valid: false,
      status: 'EXPIRED',
      scanFinishedOn: thirtyDaysAgo,
    });
    expect(stderr).toMatch(
      /^tollgate verify: attestation: EXPIRED: the scan finished .*, 30d ago, .*\(7d\)\n$/,
    );

    expect((await verifyJson(ref(image), '--key', keyFile)).code).toBe(0);
    expect(
      (await verifyJson(ref(image), '--key', keyFile, '--require-attestation', '--max-age', '31d')).code,
    ).toBe(0);
  });

  it('exits 2 when the registry cannot be reached', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await cli(`127.0.0.1:${port}/gate/app:v1`, '--key', keyFile);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(`^tollgate verify: GET http://127\\.0\\.0\\.1:${port}/v2/gate/app/manifests/v1: `),
    );
  });

  it('reads an awskms:// key with GetPublicKey at AWS_ENDPOINT_URL_KMS', async () => {
    const image = await pushed(nextRepo());
    await sign(image, ['cosign-legacy']);
    const endpoint = await startKmsEndpoint({
      arn: kms.keyArn,
      spkiDer: createPublicKey(kms.publicKeyPem).export({ format: 'der', type: 'spki' }),
    });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KMS: endpoint.url,
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const { code, output } = await verifyJson(
        ref(image),
        '--key',
        'awskms:///alias/tollgate-signing',
        '--key-id',
        kms.keyArn,
      );
      expect(code).toBe(0);
      expect(output.verified).toBe(true);
      expect(endpoint.requests).toEqual([
        { target: 'TrentService.GetPublicKey', keyId: 'alias/tollgate-signing' },
      ]);
    } finally {
      process.env = saved;
      await endpoint.stop();
    }
  });
});

describe('tollgate verify against a registry behind basic auth', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let dir: string;
  let kms: LocalKms;
  let image: ImageRef;

  beforeAll(async () => {
    registry = await startTestRegistry('basic');
    const credentials = staticCredentials(registry.credentials!);
    client = new OciRegistryClient({ host: registry.host, credentials });
    kms = localKms();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-docker-config-'));
    writeFileSync(join(dir, 'tollgate.pub'), kms.publicKeyPem);
    image = {
      registry: registry.host,
      repository: 'gate/private',
      digest: (await pushTestImage(client, 'gate/private')).digest,
    };
    const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
    await signImage(
      {
        signer,
        publicKey: signer,
        registry: client,
        referrers: new SigstoreOciAttacher(client, credentials),
      },
      image,
      approvedVerdict(image, new Date().toISOString()),
      ['cosign-legacy'],
    );
  });

  afterAll(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const withDockerConfig = async <T>(config: unknown, run: () => Promise<T>): Promise<T> => {
    const saved = process.env.DOCKER_CONFIG;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    process.env.DOCKER_CONFIG = dir;
    try {
      return await run();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
  };

  it('uses the auths entry of $DOCKER_CONFIG/config.json', async () => {
    const { username, password } = registry.credentials!;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    const { code, output } = await withDockerConfig({ auths: { [registry.host]: { auth } } }, () =>
      verifyJson(`${image.registry}/${image.repository}@${image.digest}`, '--key', join(dir, 'tollgate.pub')),
    );
    expect(code).toBe(0);
    expect(output.verified).toBe(true);
  });

  it('exits 2 when the registry refuses anonymous access and no credentials are configured', async () => {
    const { code, stderr } = await withDockerConfig({ auths: {} }, () =>
      cli(`${image.registry}/${image.repository}@${image.digest}`, '--key', join(dir, 'tollgate.pub')),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/answered 401/);
  });
});
