import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseRegistryUrl } from '../../local/registry-url';
import { sampleImages } from '../../local/sample-images';
import type { Digest } from '../../shared/core/domain';
import { MediaType } from '../../shared/adapters/oci';
import { COSIGN_SIGNATURE_ANNOTATION } from '../../shared/core/formats/manifest/cosign-signature';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../../shared/core/formats/payload/statement';
import { verifyBundle, verifyLegacySignature, type VerificationResult } from '../../shared/app/verify';
import { startTestRegistry, type TestRegistry } from '../helpers/oci/test-registry';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(180_000);

/**
 * Signing, end to end on the local stack: an approved image carries all three formats, read back over the
 * OCI Distribution HTTP API from the real registry (nothing of ours in between) and verified with
 * shared/app/verify against the public key the stand-in's KMS returns from GetPublicKey. A rejected image
 * carries none. Once on the registry `tollgate local` manages (anonymous), once on a registry that is
 * already running behind basic auth (`--registry http://user:password@host:port`).
 */
const [CLEAN, CRITICAL] = sampleImages();

const MANIFEST_ACCEPT = [MediaType.ociManifest, MediaType.ociIndex].join(', ');

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
}

interface Manifest {
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Record<string, string>;
}

interface Index {
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

/** Plain HTTP against the registry, as any OCI client reads it; basic auth when the registry asks for it. */
class RegistryHttp {
  public constructor(
    private readonly url: string,
    private readonly credentials?: { readonly username: string; readonly password: string },
  ) {}

  public async get(path: string, accept?: string): Promise<Response> {
    const headers: Record<string, string> = accept === undefined ? {} : { accept };
    if (this.credentials !== undefined) {
      const { username, password } = this.credentials;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    return fetch(`${this.url}/v2/${path}`, { headers });
  }

  public async json<T>(path: string, accept = MANIFEST_ACCEPT): Promise<T> {
    const response = await this.get(path, accept);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    return (await response.json()) as T;
  }

  public async blob(repository: string, digest: string): Promise<Buffer> {
    const response = await this.get(`${repository}/blobs/${digest}`);
    if (response.status !== 200) throw new Error(`GET blob ${digest}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** The referrers of `digest`: the referrers API where the registry has it, else the `sha256-<hex>` tag schema. */
  public async referrers(repository: string, digest: string): Promise<readonly Descriptor[] | undefined> {
    const api = await this.get(`${repository}/referrers/${digest}`, MediaType.ociIndex);
    if (api.status === 200) {
      const listed = ((await api.json()) as Index).manifests;
      if (listed.length > 0) return listed;
    }
    const fallback = await this.get(`${repository}/manifests/sha256-${digest.slice(7)}`, MANIFEST_ACCEPT);
    if (fallback.status === 404) return undefined;
    expect(fallback.status).toBe(200);
    return ((await fallback.json()) as Index).manifests;
  }
}

/** Every signature of `digest`, read back and verified with `key`. */
const readAndVerify = async (
  http: RegistryHttp,
  registryHost: string,
  repository: string,
  digest: Digest,
  key: KeyObject,
): Promise<{ readonly results: VerificationResult[]; readonly statements: Record<string, unknown> }> => {
  const identity = `${registryHost}/${repository}`;
  const results: VerificationResult[] = [];

  const sig = await http.json<Manifest>(`${repository}/manifests/sha256-${digest.slice(7)}.sig`);
  expect(sig.mediaType).toBe(MediaType.ociManifest);
  expect(sig.config.mediaType).toBe(MediaType.ociConfig);
  expect(sig.layers).toHaveLength(1);
  const [layer] = sig.layers;
  expect(layer!.mediaType).toBe(MediaType.cosignSimpleSigning);
  const config = JSON.parse((await http.blob(repository, sig.config.digest)).toString('utf8')) as {
    rootfs: { type: string; diff_ids: string[] };
  };
  expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [layer!.digest] });
  const payload = await http.blob(repository, layer!.digest);
  expect(JSON.parse(payload.toString('utf8'))).toMatchObject({
    critical: {
      identity: { 'docker-reference': identity },
      image: { 'docker-manifest-digest': digest },
      type: 'cosign container image signature',
    },
  });
  expect(layer!.annotations?.[COSIGN_SIGNATURE_ANNOTATION]).toMatch(/^[A-Za-z0-9+/]+=*$/);
  results.push(
    verifyLegacySignature(
      {
        mediaType: layer!.mediaType,
        payload,
        ...(layer!.annotations === undefined ? {} : { annotations: layer!.annotations }),
      },
      { digest, identity },
      key,
    ),
  );

  const statements: Record<string, unknown> = {};
  const referrers = (await http.referrers(repository, digest)) ?? [];
  expect(referrers.map((referrer) => referrer.artifactType)).toEqual([
    MediaType.sigstoreBundleV03,
    MediaType.sigstoreBundleV03,
  ]);
  for (const descriptor of referrers) {
    const referrer = await http.json<Manifest>(`${repository}/manifests/${descriptor.digest}`);
    expect(referrer).toMatchObject({
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundleV03,
      config: { mediaType: MediaType.ociEmpty },
      subject: { digest },
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' },
    });
    expect(referrer.layers).toHaveLength(1);
    expect(referrer.layers[0]!.mediaType).toBe(MediaType.sigstoreBundleV03);
    const predicateType = referrer.annotations?.['dev.sigstore.bundle.predicateType'] ?? '';
    const bundle = await http.blob(repository, referrer.layers[0]!.digest);
    const format = predicateType === COSIGN_VULN_PREDICATE ? 'vuln-attestation' : 'sigstore-bundle';
    results.push(verifyBundle(bundle, { digest, predicateType, format }, key));
    const envelope = (JSON.parse(bundle.toString('utf8')) as { dsseEnvelope: { payload: string } })
      .dsseEnvelope;
    statements[predicateType] = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  }
  return { results, statements };
};

describe.each([
  { name: 'the registry tollgate local manages (anonymous)', auth: undefined },
  {
    name: 'a registry already running behind basic auth (--registry http://user:password@host:port)',
    auth: 'basic' as const,
  },
])('signing on $name', ({ auth }) => {
  let registry: TestRegistry | undefined;
  let h: LocalStackHarness;
  let http: RegistryHttp;
  let key: KeyObject;
  let cleanDigest: Digest | undefined;

  beforeAll(async () => {
    if (auth !== undefined) {
      registry = await startTestRegistry(auth);
      const { username, password } = registry.credentials!;
      h = await startLocalStackHarness({
        registry: parseRegistryUrl(
          `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${registry.host}`,
        ),
      });
    } else {
      h = await startLocalStackHarness();
    }
    http = new RegistryHttp(h.stack.registry.url, h.stack.registry.credentials);
    // As a verifier in AWS would get it: KMS GetPublicKey, through the SDK, from the stand-in.
    key = createPublicKey(await h.stack.publicKeyPem());
  });
  afterAll(async () => {
    await h?.stop();
    await registry?.stop();
  });

  if (auth !== undefined) {
    it('the registry really demands credentials', async () => {
      const response = await fetch(`${h.stack.registry.url}/v2/`);
      expect(response.status).toBe(401);
    });
  }

  it('the clean sample image is signed in all three formats, each verifying with the KMS public key', async () => {
    const image = await h.pushImage(CLEAN!.repository, { tag: CLEAN!.tag });
    cleanDigest = image.digest;
    const record = await h.awaitRecord(
      CLEAN!.repository,
      image.digest,
      (r) => r.status === 'DECIDED' && r.signatures.length === 3,
    );
    expect(record.outcome).toBe('APPROVED');
    const identity = `${h.registryHost}/${CLEAN!.repository}`;

    const { results, statements } = await readAndVerify(
      http,
      h.registryHost,
      CLEAN!.repository,
      image.digest,
      key,
    );
    for (const result of results) expect(result).toMatchObject({ valid: true });
    expect(results.map((result) => result.format).sort()).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
    expect(statements[COSIGN_SIGN_PREDICATE]).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: identity, digest: { sha256: image.digest.slice(7) } }],
      predicateType: COSIGN_SIGN_PREDICATE,
      predicate: {},
    });
    expect(statements[COSIGN_VULN_PREDICATE]).toMatchObject({
      predicateType: COSIGN_VULN_PREDICATE,
      subject: [{ digest: { sha256: image.digest.slice(7) } }],
      predicate: { scanner: { result: { verdict: 'APPROVED' } } },
    });

    // What the record and the verdict event name is what is in the registry.
    expect(record.signatures.map((signature) => signature.format).sort()).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
    const legacy = record.signatures.find((signature) => signature.format === 'cosign-legacy');
    expect(legacy?.reference.startsWith(`${identity}:sha256-${image.digest.slice(7)}.sig@sha256:`)).toBe(
      true,
    );
  });

  it('the signatures do not verify with any other key (the check can fail)', async () => {
    expect(cleanDigest).toBeDefined();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const { results } = await readAndVerify(http, h.registryHost, CLEAN!.repository, cleanDigest!, other);
    expect(results.map((result) => [result.format, result.valid])).toEqual([
      ['cosign-legacy', false],
      [expect.any(String), false],
      [expect.any(String), false],
    ]);
  });

  it('the vulnerable sample image has no signature of any kind: no sha256-* tag, no referrer', async () => {
    const image = await h.pushImage(CRITICAL!.repository, {
      tag: CRITICAL!.tag,
      findings: CRITICAL!.findings,
    });
    const record = await h.awaitRecord(CRITICAL!.repository, image.digest);
    expect(record).toMatchObject({ outcome: 'REJECTED', signatures: [] });
    await h.idle();

    const tags = await http.json<{ tags: string[] }>(`${CRITICAL!.repository}/tags/list`, 'application/json');
    expect(tags.tags).toEqual([CRITICAL!.tag]);
    expect(tags.tags.filter((tag) => tag.startsWith('sha256-'))).toEqual([]);
    expect(
      (await http.get(`${CRITICAL!.repository}/manifests/sha256-${image.digest.slice(7)}.sig`)).status,
    ).toBe(404);
    expect(await http.referrers(CRITICAL!.repository, image.digest)).toBeUndefined();
    // Nor was signing ever asked for.
    expect(
      h.stack.standIn
        .events()
        .some(
          (recorded) =>
            recorded.event['detail-type'] === 'Tollgate Signing Requested' &&
            (recorded.event.detail as { digest?: string }).digest === image.digest,
        ),
    ).toBe(false);
  });
});
