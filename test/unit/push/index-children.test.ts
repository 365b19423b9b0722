import type { Digest } from '../../../shared/core/domain/digest';
import { InvalidDigestError } from '../../../shared/core/domain';
import { manifestKind, type ManifestKind } from '../../../shared/adapters/oci';
import { indexChildren, indexEntries } from '../../../shared/app/push';

const d = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;

const layer = (mediaType: string, c = '1') => ({ mediaType, digest: d(c), size: 10 });
const imageManifest = (layers: readonly object[]): string =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('9'), size: 2 },
    layers,
  });
const IN_TOTO = 'application/vnd.in-toto+json';
const TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

describe('manifestKind', () => {
  it('tells an attestation manifest by its statement layers alone', () => {
    expect(manifestKind(imageManifest([layer(IN_TOTO), layer(IN_TOTO, '2')]))).toBe('attestation');
    expect(manifestKind(imageManifest([layer('application/vnd.dsse.envelope.v1+json')]))).toBe('attestation');
  });

  it('a manifest with any filesystem layer is an image, whatever else it holds', () => {
    expect(manifestKind(imageManifest([layer(IN_TOTO), layer(TAR_GZIP, '2')]))).toBe('image');
    expect(manifestKind(imageManifest([layer(TAR_GZIP)]))).toBe('image');
    expect(manifestKind(imageManifest([]))).toBe('image');
  });

  it('tells an index by its shape or media type', () => {
    expect(manifestKind(JSON.stringify({ schemaVersion: 2, manifests: [] }))).toBe('index');
    expect(
      manifestKind(
        JSON.stringify({ mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' }),
      ),
    ).toBe('index');
  });

  it('anything else is unknown, never an attestation', () => {
    for (const content of [undefined, 'not json', '[]', 'null', '{}', '{"layers":"x"}']) {
      expect(manifestKind(content)).toBe('unknown');
    }
  });
});

describe('indexEntries and indexChildren', () => {
  it('lists every entry with os/arch[/variant]', () => {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: d('b'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: d('c') },
      ],
    };
    expect(indexEntries(JSON.stringify(index))).toEqual([
      { digest: d('a'), platform: 'linux/amd64' },
      { digest: d('b'), platform: 'linux/arm64/v8' },
      { digest: d('c') },
    ]);
  });

  // The pusher writes the annotations: a runnable image listed as an "attestation-manifest" is still judged.
  it('ignores the attestation annotation and decides by content', () => {
    const index = JSON.stringify({
      manifests: [
        { digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
        {
          digest: d('e'),
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: {
            'vnd.docker.reference.type': 'attestation-manifest',
            'vnd.docker.reference.digest': d('a'),
          },
        },
        {
          digest: d('f'),
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: {
            'vnd.docker.reference.type': 'attestation-manifest',
            'vnd.docker.reference.digest': d('a'),
          },
        },
      ],
    });
    const kinds = new Map<Digest, ManifestKind>([
      [d('a'), 'image'],
      [d('e'), 'image'], // smuggled: runnable, whatever the annotation says
      [d('f'), 'attestation'], // a real BuildKit attestation
    ]);
    expect(indexChildren(indexEntries(index), kinds)).toEqual([
      { digest: d('a'), platform: 'linux/amd64', kind: 'image' },
      { digest: d('e'), platform: 'unknown/unknown', kind: 'image' },
    ]);
  });

  it('an entry whose content is not known is a child: fail closed', () => {
    const entries = indexEntries(JSON.stringify({ manifests: [{ digest: d('a') }, { digest: d('b') }] }));
    expect(indexChildren(entries, new Map([[d('b'), 'index']]))).toEqual([
      { digest: d('a'), kind: 'unknown' },
      { digest: d('b'), kind: 'index' },
    ]);
  });

  it('lists a digest once even when the index names it twice', () => {
    const entries = indexEntries(JSON.stringify({ manifests: [{ digest: d('a') }, { digest: d('a') }] }));
    expect(indexChildren(entries, new Map([[d('a'), 'image']]))).toHaveLength(1);
  });

  it('refuses an index naming something that is not a digest, or no digest at all', () => {
    expect(() => indexEntries(JSON.stringify({ manifests: [{ digest: 'sha256:nope' }] }))).toThrow(
      InvalidDigestError,
    );
    expect(() => indexEntries(JSON.stringify({ manifests: [{}] }))).toThrow(InvalidDigestError);
  });

  it('an index without manifests has no entries', () => {
    expect(indexEntries('{}')).toEqual([]);
  });
});
