import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FINDINGS_LABEL } from '../../local/aws';
import { tarArchive } from '../../local/sample-images';
import { digestHex, type Digest } from '../../shared/core/domain';
import { manifestBytes, MediaType, sha256Digest, type ImageManifest } from '../../shared/adapters/oci';
import { IMAGE_VERDICT } from '../../shared/core/events';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

jest.setTimeout(180_000);

/**
 * Issue 13, end to end: a pusher lists a vulnerable, runnable image in an index under BuildKit's
 * "attestation-manifest" annotation. The index is judged from what each entry's bytes are, so the vulnerable
 * entry is judged, refuses the index by name, and nothing of it is signed in any format: read back from the
 * real registry over HTTP. Once pushed from code, once by skopeo (an ordinary client) from an OCI layout.
 */
const CRITICAL = [
  { name: 'CVE-2024-3094', severity: 'CRITICAL', package: 'xz-utils', version: '5.6.0', cvss: 10 },
];

interface Blob {
  readonly digest: Digest;
  readonly bytes: Buffer;
}

interface BuiltImage {
  readonly manifest: Blob;
  readonly blobs: readonly Blob[];
}

const blob = (bytes: Buffer): Blob => ({ digest: sha256Digest(bytes), bytes });

/** A runnable single-layer image whose config carries simulated findings for the stand-in's scanner. */
const buildImage = (name: string, findings: readonly object[]): BuiltImage => {
  const layer = blob(tarArchive([{ name: 'app.txt', content: `${name} ${Date.now()} ${Math.random()}\n` }]));
  const labels = findings.length === 0 ? {} : { [FINDINGS_LABEL]: JSON.stringify(findings) };
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: labels },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.bytes.length },
    layers: [{ mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.bytes.length }],
  };
  return { manifest: blob(manifestBytes(manifest)), blobs: [layer, config] };
};

/** The smuggling index: the clean image as linux/amd64, the vulnerable one as an "attestation". */
const smugglingIndex = (clean: BuiltImage, vulnerable: BuiltImage): Blob =>
  blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          {
            mediaType: MediaType.ociManifest,
            digest: clean.manifest.digest,
            size: clean.manifest.bytes.length,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: MediaType.ociManifest,
            digest: vulnerable.manifest.digest,
            size: vulnerable.manifest.bytes.length,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: {
              'vnd.docker.reference.type': 'attestation-manifest',
              'vnd.docker.reference.digest': clean.manifest.digest,
            },
          },
        ],
      }),
    ),
  );

let h: LocalStackHarness;

beforeAll(async () => {
  h = await startLocalStackHarness({ config: { repositories: ['smuggle/*'] } });
});

afterAll(async () => {
  await h?.stop();
});

const registryUrl = (): string => `http://${h.registryHost}`;

const get = (path: string, accept?: string): Promise<Response> =>
  fetch(`${registryUrl()}/v2/${path}`, accept === undefined ? {} : { headers: { accept } });

/** Every place any of the three formats could live for `digest`: the `.sig` tag, the referrers, the index tag. */
const expectNoSignatureOfAnyFormat = async (repository: string, digest: Digest): Promise<void> => {
  const hex = digestHex(digest);
  expect((await get(`${repository}/manifests/sha256-${hex}.sig`, MediaType.ociManifest)).status).toBe(404);
  expect((await get(`${repository}/manifests/sha256-${hex}`, MediaType.ociIndex)).status).toBe(404);
  const referrers = await get(`${repository}/referrers/${digest}`, MediaType.ociIndex);
  if (referrers.status === 200) {
    expect(((await referrers.json()) as { manifests: unknown[] }).manifests).toEqual([]);
  }
};

const expectRefusedByName = async (repository: string, index: Digest, vulnerable: Digest): Promise<void> => {
  const record = await h.awaitRecord(repository, index);
  expect(record.outcome).toBe('REJECTED');
  expect(record.reasons.join('\n')).toContain(`image ${vulnerable}: REJECTED`);
  const child = await h.awaitRecord(repository, vulnerable);
  expect(child.outcome).toBe('REJECTED');
  // The verdict event says the same, so alerts and gates see which entry refused the index.
  const event = await h.awaitEvent(
    ({ event: envelope }) =>
      envelope['detail-type'] === IMAGE_VERDICT &&
      (envelope.detail as { image?: { digest?: string } }).image?.digest === index,
  );
  expect(JSON.stringify(event.event.detail)).toContain(vulnerable);
  await h.idle();
  await expectNoSignatureOfAnyFormat(repository, vulnerable);
  await expectNoSignatureOfAnyFormat(repository, index);
};

describe('an index entry that says it is an attestation, but is a runnable vulnerable image', () => {
  it('pushed from code: judged, refuses the index by name, and is signed in no format', async () => {
    const repository = 'smuggle/code';
    const clean = buildImage('clean', []);
    const vulnerable = buildImage('vulnerable', CRITICAL);
    const client = h.stack.registryClient();
    for (const image of [clean, vulnerable]) {
      for (const part of image.blobs) await client.putBlob(repository, part.bytes);
      await client.putManifest(repository, image.manifest.digest, {
        mediaType: MediaType.ociManifest,
        bytes: image.manifest.bytes,
      });
    }
    const index = smugglingIndex(clean, vulnerable);
    await client.putManifest(repository, 'multi', { mediaType: MediaType.ociIndex, bytes: index.bytes });
    await h.stack.pollRegistry();

    await expectRefusedByName(repository, index.digest, vulnerable.manifest.digest);
  });

  it('pushed by skopeo from an OCI layout: the same', async () => {
    const repository = 'smuggle/skopeo';
    const clean = buildImage('clean', []);
    const vulnerable = buildImage('vulnerable', CRITICAL);
    const index = smugglingIndex(clean, vulnerable);
    const layout = mkdtempSync(join(tmpdir(), 'tollgate-oci-layout-'));
    try {
      mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
      for (const part of [clean.manifest, vulnerable.manifest, index, ...clean.blobs, ...vulnerable.blobs]) {
        writeFileSync(join(layout, 'blobs', 'sha256', digestHex(part.digest)), part.bytes);
      }
      writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      writeFileSync(
        join(layout, 'index.json'),
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: MediaType.ociIndex,
              digest: index.digest,
              size: index.bytes.length,
              annotations: { 'org.opencontainers.image.ref.name': 'multi' },
            },
          ],
        }),
      );
      execFileSync(
        'skopeo',
        [
          'copy',
          '--all',
          '--preserve-digests',
          '--dest-tls-verify=false',
          `oci:${layout}:multi`,
          `docker://${h.registryHost}/${repository}:multi`,
        ],
        { stdio: 'pipe', timeout: 60_000 },
      );
    } finally {
      rmSync(layout, { recursive: true, force: true });
    }
    await h.stack.pollRegistry();

    await expectRefusedByName(repository, index.digest, vulnerable.manifest.digest);
  });
});
