import { InvalidDigestError } from '../../../shared/domain';
import { indexChildren } from '../../../shared/push';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

describe('indexChildren', () => {
  it('lists the platform manifests with os/arch[/variant]', () => {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: d('b'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: d('c') },
      ],
    };
    expect(indexChildren(JSON.stringify(index))).toEqual([
      { digest: d('a'), platform: 'linux/amd64' },
      { digest: d('b'), platform: 'linux/arm64/v8' },
      { digest: d('c') },
    ]);
  });

  it('skips the attestation manifests BuildKit lists beside the platforms', () => {
    const index = {
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
      ],
    };
    expect(indexChildren(JSON.stringify(index))).toEqual([{ digest: d('a'), platform: 'linux/amd64' }]);
  });

  it('refuses an index naming something that is not a digest', () => {
    expect(() => indexChildren(JSON.stringify({ manifests: [{ digest: 'sha256:nope' }] }))).toThrow(
      InvalidDigestError,
    );
  });

  it('an index without manifests has no children', () => {
    expect(indexChildren('{}')).toEqual([]);
  });
});
