import { MediaType } from '../../../shared/core/oci/media-types';
import { attachmentManifest, attachmentMediaType, attachmentTag } from '../../../shared/app/push';

const HEX = '7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd';

describe('attachmentTag', () => {
  it.each([
    [`sha256-${HEX}.sig`, 'signature-tag'],
    [`sha256-${HEX}.att`, 'attestation-tag'],
    [`sha256-${HEX}.sbom`, 'sbom-tag'],
    [`sha256-${HEX}`, 'referrers-fallback-tag'],
  ])('%s is an attachment (%s)', (tag, reason) => {
    expect(attachmentTag(tag)).toBe(reason);
  });

  it.each([
    undefined,
    'latest',
    '1.4.2',
    `sha256-${HEX}.sig.bak`,
    `sha256-${HEX.slice(1)}.sig`,
    `sha256-${HEX.toUpperCase()}.sig`,
    `sha512-${HEX}.sig`,
    `v-sha256-${HEX}.sig`,
  ])('%s is an image tag', (tag) => {
    expect(attachmentTag(tag)).toBeUndefined();
  });
});

describe('attachmentMediaType', () => {
  it.each([
    [MediaType.cosignSimpleSigning, 'signature-artifact'],
    [MediaType.sigstoreBundleV03, 'sigstore-bundle'],
    ['application/vnd.dsse.envelope.v1+json', 'attestation-artifact'],
    ['application/vnd.in-toto+json', 'attestation-artifact'],
  ])('%s marks an attachment', (mediaType, reason) => {
    expect(attachmentMediaType(mediaType)).toBe(reason);
  });

  it.each([undefined, MediaType.ociConfig, 'application/vnd.docker.container.image.v1+json'])(
    '%s is an image',
    (mediaType) => {
      expect(attachmentMediaType(mediaType)).toBeUndefined();
    },
  );
});

describe('attachmentManifest', () => {
  const subject = { mediaType: MediaType.ociManifest, digest: `sha256:${HEX}`, size: 1234 };
  const config = { mediaType: MediaType.ociConfig, digest: `sha256:${'1'.repeat(64)}`, size: 2 };
  const layer = (mediaType: string): object => ({ mediaType, digest: `sha256:${'2'.repeat(64)}`, size: 10 });

  it('tells an earlier, untagged referrers index from a multi-arch image by its descriptors', () => {
    const referrer = (artifactType: string) => ({
      mediaType: MediaType.ociManifest,
      digest: `sha256:${'3'.repeat(64)}`,
      size: 9,
      artifactType,
    });
    const referrers = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [referrer(MediaType.sigstoreBundleV03), referrer('application/spdx+json')],
    };
    expect(attachmentManifest(JSON.stringify(referrers))).toBe('referrers-index');
    expect(attachmentManifest(JSON.stringify({ ...referrers, manifests: [] }))).toBe('referrers-index');
    // A platform image's descriptor has a platform, not an artifactType: the index is an image to judge.
    const multiArch = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: `sha256:${'4'.repeat(64)}`,
          size: 9,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        referrer(MediaType.sigstoreBundleV03),
      ],
    };
    expect(attachmentManifest(JSON.stringify(multiArch))).toBeUndefined();
  });

  it('finds the Sigstore bundle referrer Tollgate writes by its artifactType', () => {
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundleV03,
      config: { ...config, mediaType: MediaType.ociEmpty },
      layers: [layer(MediaType.sigstoreBundleV03)],
      subject,
    };
    expect(attachmentManifest(JSON.stringify(manifest))).toBe('sigstore-bundle');
  });

  it('finds a cosign signature manifest by its simple-signing layer', () => {
    const manifest = { schemaVersion: 2, config, layers: [layer(MediaType.cosignSimpleSigning)] };
    expect(attachmentManifest(JSON.stringify(manifest))).toBe('signature-artifact');
  });

  it('finds an attestation by its config media type', () => {
    const manifest = {
      schemaVersion: 2,
      config: { ...config, mediaType: 'application/vnd.dsse.envelope.v1+json' },
      layers: [],
    };
    expect(attachmentManifest(JSON.stringify(manifest))).toBe('attestation-artifact');
  });

  it('treats any manifest with a subject as a referrer, whatever tool wrote it', () => {
    const manifest = {
      schemaVersion: 2,
      artifactType: 'application/spdx+json',
      config,
      layers: [layer('application/spdx+json')],
      subject,
    };
    expect(attachmentManifest(JSON.stringify(manifest))).toBe('referrer');
  });

  it('leaves a plain image manifest alone', () => {
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config,
      layers: [layer('application/vnd.oci.image.layer.v1.tar+gzip')],
    };
    expect(attachmentManifest(JSON.stringify(manifest))).toBeUndefined();
  });

  it('does not guess about a manifest it cannot parse', () => {
    expect(attachmentManifest('{not json')).toBeUndefined();
  });
});
