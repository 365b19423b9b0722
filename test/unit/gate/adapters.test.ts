import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DockerConfigCredentials,
  dockerConfigPath,
  ecrRegion,
  kmsPublicKey,
  parseDockerAuths,
  pemFilePublicKey,
  PublicKeyError,
  registryCredentialsFor,
} from '../../../shared/adapters/gate';
import { localKms, TEST_KEY_ARN } from '../../doubles';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC_PEM = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-gate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PEM key files', () => {
  it('reads a public key', async () => {
    const file = join(dir, 'cosign.pub');
    writeFileSync(file, PUBLIC_PEM);
    await expect(pemFilePublicKey(file).publicKey()).resolves.toEqual({ pem: PUBLIC_PEM });
  });

  it.each([
    ['a missing file', undefined, /cannot read the key file/],
    ['a private key', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), /holds a private key/],
    ['text', 'hello', /not a PEM public key/],
    [
      'a broken PEM',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      /not a valid public key/,
    ],
  ])('refuses %s', (_what, content, message) => {
    const file = join(dir, 'key.pem');
    if (content !== undefined) writeFileSync(file, content);
    expect(() => pemFilePublicKey(file)).toThrow(PublicKeyError);
    expect(() => pemFilePublicKey(file)).toThrow(message);
  });
});

describe('KMS keys', () => {
  it('asks GetPublicKey for the named key and returns PEM with the key ARN as hint', async () => {
    const kms = localKms();
    const source = kmsPublicKey(
      { kind: 'kms', keyId: 'alias/tollgate-signing', pinnedKeyId: TEST_KEY_ARN },
      { client: kms.client },
    );
    await expect(source.publicKey()).resolves.toEqual({ pem: kms.publicKeyPem, hint: TEST_KEY_ARN });
    expect(kms.mock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: 'alias/tollgate-signing' });
  });

  it('refuses a key that is not ECC_NIST_P256', async () => {
    const kms = localKms();
    kms.mock
      .on(GetPublicKeyCommand)
      .resolves({ KeyId: TEST_KEY_ARN, KeySpec: 'RSA_2048', SigningAlgorithms: [] });
    const source = kmsPublicKey({ kind: 'kms', keyId: TEST_KEY_ARN }, { client: kms.client });
    await expect(source.publicKey()).rejects.toThrow(/RSA_2048/);
  });
});

describe('Docker config credentials', () => {
  it('reads auths by host, normalizing Docker Hub and schemes', () => {
    const auths = parseDockerAuths(
      {
        auths: {
          'https://index.docker.io/v1/': { auth: basic('hub', 'h') },
          'registry.example:5000': { auth: basic('me', 'p:with:colons') },
          'https://other.example/v2/': { username: 'u', password: 'pw' },
          'empty.example': {},
        },
        credsStore: 'desktop',
      },
      'config.json',
    );
    expect(Object.fromEntries(auths)).toEqual({
      'docker.io': { username: 'hub', password: 'h' },
      'registry.example:5000': { username: 'me', password: 'p:with:colons' },
      'other.example': { username: 'u', password: 'pw' },
    });
  });

  it('finds the file through DOCKER_CONFIG, reads it only when asked, and treats a missing file as anonymous', async () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: dir }, '/home/x')).toBe(join(dir, 'config.json'));
    expect(dockerConfigPath({}, '/home/x')).toBe('/home/x/.docker/config.json');
    const credentials = new DockerConfigCredentials(join(dir, 'config.json'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { '127.0.0.1:5000': { auth: basic('a', 'b') } } }),
    );
    await expect(credentials.forRegistry('127.0.0.1:5000')).resolves.toEqual({
      username: 'a',
      password: 'b',
    });
    await expect(credentials.forRegistry('registry-1.docker.io')).resolves.toBeUndefined();
    await expect(
      new DockerConfigCredentials(join(dir, 'absent.json')).forRegistry('x'),
    ).resolves.toBeUndefined();
  });

  it('refuses a config file that is not JSON', async () => {
    writeFileSync(join(dir, 'config.json'), '{ not json');
    await expect(
      new DockerConfigCredentials(join(dir, 'config.json')).forRegistry('x'),
    ).rejects.toMatchObject({
      name: 'DockerConfigError',
    });
  });
});

describe('registry access', () => {
  it('recognizes ECR hosts and their region', () => {
    expect(ecrRegion('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(ecrRegion('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')).toBe('us-gov-west-1');
    expect(ecrRegion('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(ecrRegion('registry.example')).toBeUndefined();
    expect(ecrRegion('evil.example/123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBeUndefined();
  });

  it('uses GetAuthorizationToken, in the host region, for ECR hosts', async () => {
    const ecr = new ECRClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const mock = mockClient(ecr);
    mock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        { authorizationToken: basic('AWS', 'token'), expiresAt: new Date(Date.now() + 3_600_000) },
      ],
    });
    const regions: string[] = [];
    const dockerConfig = { forRegistry: () => Promise.resolve({ username: 'docker', password: 'config' }) };
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const credentials = registryCredentialsFor(host, {
      dockerConfig,
      ecrClient: (region) => {
        regions.push(region);
        return ecr;
      },
    });
    await expect(credentials.forRegistry(host)).resolves.toEqual({ username: 'AWS', password: 'token' });
    expect(regions).toEqual(['eu-west-1']);
    expect(mock).toHaveReceivedCommandTimes(GetAuthorizationTokenCommand, 1);
  });

  it('uses the Docker config for any other registry', async () => {
    const dockerConfig = {
      forRegistry: (host: string) => Promise.resolve({ username: host, password: 'x' }),
    };
    await expect(
      registryCredentialsFor('registry.example', { dockerConfig }).forRegistry('registry.example'),
    ).resolves.toEqual({
      username: 'registry.example',
      password: 'x',
    });
  });
});
