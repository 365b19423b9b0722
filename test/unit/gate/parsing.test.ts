import {
  formatDuration,
  formatImageReference,
  goDuration,
  InvalidDurationError,
  InvalidImageReferenceError,
  parseDuration,
  parseImageReference,
  parseKeyReference,
  PublicKeyError,
  registryApiHost,
} from '../../../shared/adapters/gate';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['127.0.0.1:5000/team/app:v1', { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1' }],
    [
      `127.0.0.1:5000/team/app@${DIGEST}`,
      { registry: '127.0.0.1:5000', repository: 'team/app', digest: DIGEST },
    ],
    [
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:1.2.3@${DIGEST}`,
      {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        repository: 'payments/api',
        tag: '1.2.3',
        digest: DIGEST,
      },
    ],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    ['[::1]:5000/app:x', { registry: '[::1]:5000', repository: 'app', tag: 'x' }],
    ['busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['team/app:v2', { registry: 'docker.io', repository: 'team/app', tag: 'v2' }],
    ['index.docker.io/library/busybox:1', { registry: 'docker.io', repository: 'library/busybox', tag: '1' }],
    [
      'registry.example/a__b/c-d.e_f:T.1-x',
      { registry: 'registry.example', repository: 'a__b/c-d.e_f', tag: 'T.1-x' },
    ],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    [' registry.example/app', /spaces/],
    ['https://registry.example/app:v1', /scheme/],
    ['registry.example/App:v1', /lower-case/],
    ['registry.example/app:', /tag/],
    ['registry.example/app:-v1', /tag/],
    ['registry.example/app@sha256:abc', /digest/],
    [`registry.example/app@sha512:${'a'.repeat(128)}`, /digest/],
    ['registry.example//app', /repository/],
    ['bad_host.example:5000/app', /registry host/],
  ])('refuses %j', (text, message) => {
    expect(() => parseImageReference(text)).toThrow(InvalidImageReferenceError);
    expect(() => parseImageReference(text)).toThrow(message);
  });

  it('prints canonically and knows Docker Hub is served elsewhere', () => {
    expect(formatImageReference(parseImageReference(`r.example:443/x:y@${DIGEST}`))).toBe(
      `r.example:443/x:y@${DIGEST}`,
    );
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});

describe('parseKeyReference', () => {
  it.each([
    ['awskms:///alias/tollgate-signing', { kind: 'kms', keyId: 'alias/tollgate-signing' }],
    ['awskms://alias/tollgate-signing', { kind: 'kms', keyId: 'alias/tollgate-signing' }],
    [
      'awskms:///arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-0b0a-4000-8000-000000000001',
      {
        kind: 'kms',
        keyId: 'arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-0b0a-4000-8000-000000000001',
        region: 'eu-west-1',
      },
    ],
    [
      'awskms:///arn:aws:kms:us-east-2:123456789012:alias/team-signing',
      { kind: 'kms', keyId: 'arn:aws:kms:us-east-2:123456789012:alias/team-signing', region: 'us-east-2' },
    ],
    [
      'awskms://localhost:4566/0f0e0d0c-0b0a-4000-8000-000000000001',
      { kind: 'kms', keyId: '0f0e0d0c-0b0a-4000-8000-000000000001', endpoint: 'localhost:4566' },
    ],
    ['cosign.pub', { kind: 'file', path: 'cosign.pub' }],
    ['./keys/tollgate.pem', { kind: 'file', path: './keys/tollgate.pem' }],
  ])('%s', (text, expected) => {
    expect(parseKeyReference(text)).toEqual(expected);
  });

  it.each([
    'awskms://',
    'awskms:///',
    'awskms:///not-a-key',
    'gcpkms://projects/p/keys/k',
    'k8s://ns/secret',
    '',
  ])('refuses %j', (text) => {
    expect(() => parseKeyReference(text)).toThrow(PublicKeyError);
  });
});

describe('durations', () => {
  it.each([
    ['7d', 604_800_000],
    ['36h', 129_600_000],
    ['1d12h', 129_600_000],
    ['90m', 5_400_000],
    ['1w', 604_800_000],
    ['45s', 45_000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '7', 'd', '7 days', '-1d', '0d', '1.5d', '7D'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidDurationError);
  });

  it('formats for people and for Go', () => {
    expect(formatDuration(604_800_000)).toBe('7d');
    expect(formatDuration(129_600_000)).toBe('36h');
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(goDuration(604_800_000)).toBe('168h');
    expect(goDuration(5_400_000)).toBe('90m');
  });
});
