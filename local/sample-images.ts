import { randomUUID } from 'node:crypto';
import type { Digest } from '../shared/core/domain';
import {
  manifestBytes,
  MediaType,
  sha256Digest,
  type ImageManifest,
  type RegistryClient,
} from '../shared/adapters/oci';
import { FINDINGS_LABEL, type SimulatedFinding } from './aws';

export interface SampleImage {
  readonly repository: string;
  readonly tag: string;
  /** What the sample shows, for the progress log. */
  readonly description: string;
  /** Carried in the image config's label; the stand-in's simulated scanner reports them. */
  readonly findings: readonly SimulatedFinding[];
}

/**
 * The two images `tollgate local` pushes: one the default policy approves, one it rejects. Each run pushes
 * new digests under a new tag, so a second run against the same registry does not move a tag (which
 * `immutability: enforce` would rightly report).
 */
export const sampleImages = (now: Date = new Date()): readonly SampleImage[] => {
  const tag = `sample-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
  return [
    { repository: 'samples/clean', tag, description: 'no findings', findings: [] },
    {
      repository: 'samples/critical',
      tag,
      description: 'one simulated CRITICAL finding',
      findings: [
        {
          name: 'CVE-2024-3094',
          severity: 'CRITICAL',
          package: 'xz-utils',
          version: '5.6.0',
          fixedIn: '5.6.2',
          cvss: 10,
        },
      ],
    },
  ];
};

export interface PushedSample {
  readonly repository: string;
  readonly tag: string;
  readonly digest: Digest;
  readonly mediaType: string;
}

/**
 * Builds a small, valid single-layer OCI image in code and pushes it over the OCI Distribution API: the
 * layer and config blobs, then the manifest by tag (so the registry's push notification names the tag).
 * Every build differs (a fresh file in the layer, the creation time), so each run judges new digests.
 */
export const pushSampleImage = async (client: RegistryClient, sample: SampleImage): Promise<PushedSample> => {
  const created = new Date().toISOString();
  const layer = tarArchive([
    {
      name: 'tollgate-sample.txt',
      content: `Tollgate sample image ${sample.repository}:${sample.tag} (${sample.description}), built ${created}, ${randomUUID()}\n`,
    },
  ]);
  const labels: Record<string, string> = { 'org.opencontainers.image.title': sample.repository };
  if (sample.findings.length > 0) labels[FINDINGS_LABEL] = JSON.stringify(sample.findings);
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: labels, Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
      history: [{ created, created_by: 'tollgate local (sample image built in code)' }],
    }),
  );
  await client.putBlob(sample.repository, layer);
  await client.putBlob(sample.repository, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
    layers: [{ mediaType: MediaType.ociLayer, digest: sha256Digest(layer), size: layer.length }],
    annotations: { 'org.opencontainers.image.created': created },
  };
  const bytes = manifestBytes(manifest);
  const digest = sha256Digest(bytes);
  await client.putManifest(sample.repository, sample.tag, { mediaType: MediaType.ociManifest, bytes });
  return { repository: sample.repository, tag: sample.tag, digest, mediaType: MediaType.ociManifest };
};

/** A POSIX ustar archive of regular files, uncompressed: what an OCI `tar` layer holds. */
export const tarArchive = (files: readonly { readonly name: string; readonly content: string }[]): Buffer => {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const content = Buffer.from(file.content, 'utf8');
    blocks.push(tarHeader(file.name, content.length), content, Buffer.alloc(padding(content.length)));
  }
  // The end of an archive is two zero blocks.
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
};

const BLOCK = 512;

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

const tarHeader = (name: string, size: number): Buffer => {
  const header = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value, offset, length, 'ascii');
  };
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(size, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return header;
};
