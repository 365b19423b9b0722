import type { Digest } from '../../../shared/core/domain';
import {
  EMPTY_JSON,
  MANIFEST_MEDIA_TYPES,
  manifestBytes,
  MediaType,
  OciRegistryClient,
  sha256Digest,
  staticCredentials,
  type Descriptor,
} from '../../../shared/adapters/oci';
import { startRegistryFront } from '../../../local/registry-front';
import { pushTestImage, pushTestIndex, startTestRegistry, type TestRegistry } from '../../helpers/oci';

jest.setTimeout(60_000);

/**
 * The registry front (local/registry-front) against the OCI distribution spec v1.1, with a real Distribution 2.8
 * behind it: `GET /v2/<name>/referrers/<digest>`, `artifactType` filtering, `OCI-Subject` on a PUT, DELETE, and
 * the two ECR refusals (an index as subject, a `;` in a media type). Distribution alone serves none of it.
 */
const SBOM = 'application/spdx+json';
const BUNDLE = MediaType.sigstoreBundleV03;

interface Listing {
  readonly status: number;
  readonly contentType: string | null;
  readonly filtersApplied: string | null;
  readonly body: { schemaVersion?: number; mediaType?: string; manifests?: Descriptor[] } | undefined;
}

const listReferrers = async (
  url: string,
  repository: string,
  subject: string,
  artifactType?: string,
  headers: Record<string, string> = {},
): Promise<Listing> => {
  const query = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
  const response = await fetch(`${url}/v2/${repository}/referrers/${subject}${query}`, {
    headers: { accept: MediaType.ociIndex, ...headers },
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    filtersApplied: response.headers.get('oci-filters-applied'),
    body: response.status === 200 ? (JSON.parse(text) as Listing['body']) : undefined,
  };
};

/** An artifact manifest about `subject`: one layer of `content`, the `{}` config, optional artifactType. */
const referrerManifest = (
  subject: Descriptor,
  options: {
    readonly artifactType?: string;
    readonly layerType?: string;
    readonly configType?: string;
    readonly annotations?: Record<string, string>;
    readonly layer: Descriptor;
  },
): Buffer =>
  manifestBytes({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    ...(options.artifactType === undefined ? {} : { artifactType: options.artifactType }),
    config: {
      mediaType: options.configType ?? MediaType.ociEmpty,
      digest: sha256Digest(EMPTY_JSON),
      size: EMPTY_JSON.length,
    },
    layers: [{ ...options.layer, mediaType: options.layerType ?? options.layer.mediaType }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  });

/** PUT by digest; the raw answer, for the status, the OCI-Subject header and ECR's error body. */
const putManifest = async (
  url: string,
  repository: string,
  bytes: Buffer,
  mediaType: string = MediaType.ociManifest,
): Promise<{ status: number; subject: string | null; body: string; digest: Digest }> => {
  const digest = sha256Digest(bytes);
  const response = await fetch(`${url}/v2/${repository}/manifests/${digest}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: new Uint8Array(bytes),
  });
  return {
    status: response.status,
    subject: response.headers.get('oci-subject'),
    body: await response.text(),
    digest,
  };
};

/** Whether Distribution itself holds the manifest (asked directly, not through the front). */
const storedStatus = async (registry: TestRegistry, repository: string, digest: string): Promise<number> => {
  const response = await fetch(`${registry.storage.url}/v2/${repository}/manifests/${digest}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
  });
  return response.status;
};

describe('the registry front, ECR mode, before Distribution 2.8', () => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  let counter = 0;

  beforeAll(async () => {
    registry = await startTestRegistry('anonymous', { mode: 'ecr' });
    client = new OciRegistryClient({ host: registry.host });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  /** A fresh repository with one image, and two blobs to refer with. */
  const fixture = async () => {
    const repository = `front/spec-${(counter += 1)}`;
    const image = await pushTestImage(client, repository);
    const config = await client.putBlob(repository, EMPTY_JSON);
    const content = await client.putBlob(repository, Buffer.from(`{"n":${counter}}`));
    return {
      repository,
      image,
      layer: { mediaType: BUNDLE, digest: content.digest, size: content.size },
      config,
    };
  };

  it('answers OCI-Subject on a PUT with a subject, and lists it with artifactType and annotations', async () => {
    const { repository, image, layer } = await fixture();
    const bytes = referrerManifest(image.descriptor, {
      artifactType: BUNDLE,
      layer,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' },
    });
    const put = await putManifest(registry.url, repository, bytes);
    expect(put).toMatchObject({ status: 201, subject: image.digest });
    // And our client sees it the way the signer decides on it.
    const again = await client.putManifest(repository, sha256Digest(bytes), {
      mediaType: MediaType.ociManifest,
      bytes,
    });
    expect(again.subjectDigest).toBe(image.digest);

    const listing = await listReferrers(registry.url, repository, image.digest);
    expect(listing).toMatchObject({ status: 200, contentType: MediaType.ociIndex, filtersApplied: null });
    expect(listing.body).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: put.digest,
          size: bytes.length,
          artifactType: BUNDLE,
          annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' },
        },
      ],
    });
    // Distribution stored it, by digest, untagged: no `sha256-<hex>` index anywhere.
    expect(await storedStatus(registry, repository, put.digest)).toBe(200);
    expect(await client.listTags(repository)).toEqual([]);
  });

  it('gives no OCI-Subject to a manifest without a subject', async () => {
    const { repository } = await fixture();
    const image = await pushTestImage(client, repository);
    const put = await putManifest(registry.url, repository, image.bytes);
    expect(put).toMatchObject({ status: 201, subject: null });
  });

  it('takes artifactType from the config for a manifest without one, and omits it for an index', async () => {
    const { repository, image, layer } = await fixture();
    const manifest = referrerManifest(image.descriptor, { layer, configType: MediaType.ociEmpty });
    expect((await putManifest(registry.url, repository, manifest)).status).toBe(201);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [],
        subject: image.descriptor,
      }),
    );
    expect((await putManifest(registry.url, repository, index, MediaType.ociIndex)).status).toBe(201);

    const { body } = await listReferrers(registry.url, repository, image.digest);
    expect(body?.manifests).toEqual([
      {
        mediaType: MediaType.ociManifest,
        digest: sha256Digest(manifest),
        size: manifest.length,
        artifactType: MediaType.ociEmpty,
      },
      { mediaType: MediaType.ociIndex, digest: sha256Digest(index), size: index.length },
    ]);
  });

  it('filters on artifactType and says so with OCI-Filters-Applied', async () => {
    const { repository, image, layer } = await fixture();
    const bundle = referrerManifest(image.descriptor, { artifactType: BUNDLE, layer });
    const sbom = referrerManifest(image.descriptor, { artifactType: SBOM, layer });
    for (const bytes of [bundle, sbom])
      expect((await putManifest(registry.url, repository, bytes)).status).toBe(201);

    const all = await listReferrers(registry.url, repository, image.digest);
    expect(all.filtersApplied).toBeNull();
    expect(all.body?.manifests?.map((one) => one.artifactType)).toEqual([BUNDLE, SBOM]);

    const filtered = await listReferrers(registry.url, repository, image.digest, SBOM);
    expect(filtered).toMatchObject({ status: 200, filtersApplied: 'artifactType' });
    expect(filtered.body?.manifests?.map((one) => one.digest)).toEqual([sha256Digest(sbom)]);

    const none = await listReferrers(registry.url, repository, image.digest, 'application/vnd.example.none');
    expect(none).toMatchObject({ status: 200, filtersApplied: 'artifactType' });
    expect(none.body?.manifests).toEqual([]);
  });

  it('answers 200 with an empty index when nothing refers to a digest, never 404; 400 for a bad digest', async () => {
    const { repository, image } = await fixture();
    const empty = await listReferrers(registry.url, repository, image.digest);
    expect(empty).toMatchObject({ status: 200, contentType: MediaType.ociIndex });
    expect(empty.body).toEqual({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });
    const unknown = await listReferrers(registry.url, repository, `sha256:${'0'.repeat(64)}`);
    expect(unknown.status).toBe(200);
    expect(unknown.body?.manifests).toEqual([]);
    expect((await listReferrers(registry.url, repository, 'sha256:not-hex!')).status).toBe(400);
  });

  it('drops a deleted referrer from the listing', async () => {
    const { repository, image, layer } = await fixture();
    const first = referrerManifest(image.descriptor, { artifactType: BUNDLE, layer });
    const second = referrerManifest(image.descriptor, { artifactType: SBOM, layer });
    for (const bytes of [first, second]) await putManifest(registry.url, repository, bytes);
    expect(await client.deleteManifest(repository, sha256Digest(first))).toBe(true);
    const { body } = await listReferrers(registry.url, repository, image.digest);
    expect(body?.manifests?.map((one) => one.digest)).toEqual([sha256Digest(second)]);
  });

  it('refuses, as ECR does, a referrer whose subject is an image index: 405, nothing stored', async () => {
    const { repository, layer } = await fixture();
    const index = await pushTestIndex(client, repository);
    const bytes = referrerManifest(index.descriptor, { artifactType: BUNDLE, layer });
    const put = await putManifest(registry.url, repository, bytes);
    expect(put.status).toBe(405);
    expect(JSON.parse(put.body)).toEqual({
      errors: [
        {
          code: 'UNSUPPORTED',
          message: "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
        },
      ],
    });
    expect(await storedStatus(registry, repository, put.digest)).toBe(404);
    expect((await listReferrers(registry.url, repository, index.digest)).body?.manifests).toEqual([]);
    expect(registry.front!.refused()).toContainEqual({
      reason: 'index-subject',
      repository,
      reference: put.digest,
    });
    // A platform image of the same index may have referrers: only the index as subject is refused.
    const child = index.children[0]!;
    expect(
      (
        await putManifest(
          registry.url,
          repository,
          referrerManifest(child.descriptor, { artifactType: BUNDLE, layer }),
        )
      ).status,
    ).toBe(201);
  });

  it('refuses, as ECR does, a media type with a parameter (`;`) in artifactType or a layer', async () => {
    const { repository, image, layer } = await fixture();
    const legacyType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
    for (const bytes of [
      referrerManifest(image.descriptor, { artifactType: legacyType, layer }),
      referrerManifest(image.descriptor, { artifactType: BUNDLE, layer, layerType: legacyType }),
    ]) {
      const put = await putManifest(registry.url, repository, bytes);
      expect(put.status).toBe(405);
      expect(JSON.parse(put.body)).toMatchObject({ errors: [{ code: 'UNSUPPORTED' }] });
      expect(await storedStatus(registry, repository, put.digest)).toBe(404);
    }
    expect(
      registry
        .front!.refused()
        .filter((one) => one.repository === repository)
        .map((one) => one.reason),
    ).toEqual(['media-type-parameter', 'media-type-parameter']);
    expect((await listReferrers(registry.url, repository, image.digest)).body?.manifests).toEqual([]);
  });
});

describe('the registry front with ECR’s quirks turned off', () => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  beforeAll(async () => {
    registry = await startTestRegistry('anonymous', {
      mode: 'ecr',
      front: { quirks: { refuseIndexSubject: false, refuseMediaTypeParameters: false } },
    });
    client = new OciRegistryClient({ host: registry.host });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('accepts and lists an index as subject and a `;` media type, as the spec allows', async () => {
    const repository = 'front/lenient';
    const index = await pushTestIndex(client, repository);
    const blob = await client.putBlob(repository, Buffer.from('{}x'));
    await client.putBlob(repository, EMPTY_JSON);
    const type = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
    const bytes = referrerManifest(index.descriptor, {
      artifactType: type,
      layer: { mediaType: type, digest: blob.digest, size: blob.size },
    });
    expect(await putManifest(registry.url, repository, bytes)).toMatchObject({
      status: 201,
      subject: index.digest,
    });
    expect(
      (await listReferrers(registry.url, repository, index.digest)).body?.manifests?.map(
        (one) => one.artifactType,
      ),
    ).toEqual([type]);
  });
});

describe('what the front knows outlives it, and what was there before it', () => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  beforeAll(async () => {
    registry = await startTestRegistry('anonymous', { mode: 'ecr' });
    client = new OciRegistryClient({ host: registry.host });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('a new front on the same journal lists what the old one learnt, deletes included', async () => {
    const repository = 'front/restart';
    const image = await pushTestImage(client, repository);
    const blob = await client.putBlob(repository, Buffer.from('{"kept":true}'));
    await client.putBlob(repository, EMPTY_JSON);
    const layer = { mediaType: BUNDLE, digest: blob.digest, size: blob.size };
    const kept = referrerManifest(image.descriptor, { artifactType: BUNDLE, layer });
    const gone = referrerManifest(image.descriptor, { artifactType: SBOM, layer });
    for (const bytes of [kept, gone]) await putManifest(registry.url, repository, bytes);
    await client.deleteManifest(repository, sha256Digest(gone));

    await registry.front!.stop();
    const restarted = await startRegistryFront({
      target: registry.storage.url,
      referrers: { journalFile: registry.journalFile! },
    });
    try {
      const { body } = await listReferrers(restarted.url, repository, image.digest);
      expect(body?.manifests?.map((one) => one.digest)).toEqual([sha256Digest(kept)]);
    } finally {
      await restarted.stop();
    }
  });

  it('lists referrers a client wrote to plain Distribution with the tag schema, as the spec requires', async () => {
    // Written to Distribution directly, before any front: the referrer by digest, and the `sha256-<hex>` index.
    const storage = new OciRegistryClient({ host: registry.storage.host });
    const repository = 'front/pre-existing';
    const image = await pushTestImage(storage, repository);
    const blob = await storage.putBlob(repository, Buffer.from('{"old":true}'));
    await storage.putBlob(repository, EMPTY_JSON);
    const bytes = referrerManifest(image.descriptor, {
      artifactType: BUNDLE,
      layer: { mediaType: BUNDLE, digest: blob.digest, size: blob.size },
    });
    const digest = sha256Digest(bytes);
    const stored = await storage.putManifest(repository, digest, { mediaType: MediaType.ociManifest, bytes });
    expect(stored.subjectDigest).toBeUndefined();
    // One entry that is listed but is no referrer of the image (a lie, or stale): not taken.
    const stranger = await pushTestImage(storage, repository);
    const index = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { mediaType: MediaType.ociManifest, digest, size: bytes.length, artifactType: BUNDLE },
        { ...stranger.descriptor, artifactType: BUNDLE },
      ],
    });
    await storage.putManifest(repository, `sha256-${image.digest.slice(7)}`, {
      mediaType: MediaType.ociIndex,
      bytes: index,
    });

    const fresh = await startRegistryFront({ target: registry.storage.url, referrers: {} });
    try {
      const { body } = await listReferrers(fresh.url, repository, image.digest);
      expect(body?.manifests).toEqual([
        { mediaType: MediaType.ociManifest, digest, size: bytes.length, artifactType: BUNDLE },
      ]);
    } finally {
      await fresh.stop();
    }
  });
});

describe('the registry front before a registry that wants credentials', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry('basic', { mode: 'ecr' });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('answers a referrers listing without credentials with the registry’s own 401 challenge', async () => {
    const subject = `sha256:${'1'.repeat(64)}`;
    const response = await fetch(`${registry.url}/v2/front/auth/referrers/${subject}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const { username } = registry.credentials!;
    const wrong = await listReferrers(registry.url, 'front/auth', subject, undefined, {
      authorization: `Basic ${Buffer.from(`${username}:nope`).toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    const client = new OciRegistryClient({
      host: registry.host,
      credentials: staticCredentials(registry.credentials!),
    });
    expect(await client.referrers('front/auth', subject as Digest)).toEqual([]);
  });
});

describe('plain Distribution (distribution mode), for contrast', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry('anonymous');
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('has no referrers API and sends no OCI-Subject: what makes the signer fall back to the tag schema', async () => {
    const client = new OciRegistryClient({ host: registry.host });
    const repository = 'front/plain';
    const image = await pushTestImage(client, repository);
    const blob = await client.putBlob(repository, Buffer.from('{"plain":true}'));
    await client.putBlob(repository, EMPTY_JSON);
    const bytes = referrerManifest(image.descriptor, {
      artifactType: BUNDLE,
      layer: { mediaType: BUNDLE, digest: blob.digest, size: blob.size },
    });
    expect(await putManifest(registry.url, repository, bytes)).toMatchObject({ status: 201, subject: null });
    expect((await listReferrers(registry.url, repository, image.digest)).status).toBe(404);
    expect(await client.referrers(repository, image.digest)).toBeUndefined();
  });
});
