import { main } from '../../../cli/main';
import type { CliIo } from '../../../cli/command';
import { createVerifyCommand, DEFAULT_KEY } from '../../../cli/commands/verify';
import type { ImageRef } from '../../../shared/core/domain';
import { RegistryUnavailableError } from '../../../shared/adapters/oci';
import { pemPublicKey } from '../../../shared/app/verify';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { kmsPublicKey, publicKeyFor, type KeyReference } from '../../../shared/adapters/gate';
import { localKms, MemoryRegistry, TEST_KEY_ARN, type LocalKms } from '../../doubles';
import { pushImage, signInMemory } from '../gate/fixtures';
import { runCommand } from './run-command';

const HOST = 'registry.example';
const REPO = 'team/app';
/** The default key is an alias: every run with it pins the key it must resolve to. */
const PIN = ['--key-id', TEST_KEY_ARN];

interface JsonOutput {
  image: string;
  digest: string | null;
  verified: boolean;
  signatures: { format: string; valid: boolean; reason: string; code?: string; reference?: string }[];
  attestation: { required: boolean; valid: boolean; status: string; reason: string; maxAge: string };
  failures: string[];
}

describe('tollgate verify', () => {
  let registry: MemoryRegistry;
  let kms: LocalKms;
  let digest: string;
  const keysAsked: string[] = [];
  const command = () =>
    createVerifyCommand(() => ({
      registry: () => registry,
      publicKey: (reference) => {
        keysAsked.push(reference.kind === 'kms' ? reference.keyId : reference.path);
        return pemPublicKey(kms.publicKeyPem, kms.keyArn);
      },
    }));

  beforeEach(async () => {
    registry = new MemoryRegistry({ host: HOST });
    keysAsked.length = 0;
    digest = await pushImage(registry, REPO, 'v1');
    const image: ImageRef = { registry: HOST, repository: REPO, digest: digest as ImageRef['digest'] };
    kms = await signInMemory(registry, image, {
      scanFinishedOn: new Date(Date.now() - 3_600_000).toISOString(),
    });
  });

  it('exits 0 for a signed image, prints the digest to pin, and reads the default KMS alias', async () => {
    const { code, stdout, stderr } = await runCommand(command(), [`${HOST}/${REPO}:v1`, ...PIN]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe(`VERIFIED  ${HOST}/${REPO}:v1@${digest}`);
    expect(stdout).toContain(`digest ${digest}`);
    expect(stdout).toMatch(/^ +valid +cosign-legacy +signed by the trusted key/m);
    expect(keysAsked).toEqual([DEFAULT_KEY.replace('awskms:///', '')]);
  });

  it('prints the JSON shape pipelines parse', async () => {
    const { code, stdout } = await runCommand(command(), [
      `${HOST}/${REPO}:v1`,
      '--json',
      '--key',
      'cosign.pub',
    ]);
    expect(code).toBe(0);
    const output = JSON.parse(stdout) as JsonOutput;
    expect(Object.keys(output)).toEqual([
      'image',
      'digest',
      'verified',
      'signatures',
      'attestation',
      'failures',
    ]);
    expect(output).toMatchObject({ image: `${HOST}/${REPO}:v1`, digest, verified: true, failures: [] });
    expect(output.signatures).toEqual([
      expect.objectContaining({
        format: 'cosign-legacy',
        valid: true,
        reason: expect.any(String) as unknown,
      }),
      expect.objectContaining({
        format: 'sigstore-bundle',
        valid: true,
        reason: expect.any(String) as unknown,
      }),
    ]);
    expect(output.attestation).toMatchObject({ required: false, valid: true, status: 'VALID', maxAge: '7d' });
    expect(keysAsked).toEqual(['cosign.pub']);
  });

  it('exits 1 with one line per failed check when the key is not the signer', async () => {
    const other = localKms();
    const wrong = createVerifyCommand(() => ({
      registry: () => registry,
      publicKey: () => pemPublicKey(other.publicKeyPem, TEST_KEY_ARN),
    }));
    const { code, stdout, stderr } = await runCommand(wrong, [
      `${HOST}/${REPO}@${digest}`,
      ...PIN,
      '--json',
      '--require-attestation',
    ]);
    expect(code).toBe(1);
    const output = JSON.parse(stdout) as JsonOutput;
    expect(output.verified).toBe(false);
    expect(output.signatures.map((s) => s.code)).toEqual(['SIGNATURE_INVALID', 'SIGNATURE_INVALID']);
    expect(stderr.trimEnd().split('\n')).toEqual([
      'tollgate verify: signature: none of the 2 signature(s) is valid for the trusted key (cosign-legacy SIGNATURE_INVALID, sigstore-bundle SIGNATURE_INVALID)',
      expect.stringMatching(/^tollgate verify: attestation: INVALID: SIGNATURE_INVALID/),
    ]);
  });

  it('several --key: verified when any of them signed (a key migration), in either order; refused when none did', async () => {
    const other = localKms();
    const byFile = createVerifyCommand(() => ({
      registry: () => registry,
      // old.pem is the signer's key (the retired one, say); new.pem a key that signed nothing here yet.
      publicKey: (reference) =>
        reference.kind === 'file' && reference.path === 'old.pem'
          ? pemPublicKey(kms.publicKeyPem, kms.keyArn)
          : pemPublicKey(other.publicKeyPem, TEST_KEY_ARN),
    }));
    const image = `${HOST}/${REPO}@${digest}`;
    for (const order of [
      ['new.pem', 'old.pem'],
      ['old.pem', 'new.pem'],
    ]) {
      const { code, stdout } = await runCommand(byFile, [
        image,
        '--json',
        '--require-attestation',
        ...order.flatMap((key) => ['--key', key]),
      ]);
      expect(code).toBe(0);
      const output = JSON.parse(stdout) as JsonOutput;
      expect(output.signatures.map((s) => s.valid)).toEqual([true, true]);
      expect(output.attestation).toMatchObject({ valid: true, status: 'VALID' });
    }
    const { code } = await runCommand(byFile, [image, '--key', 'new.pem', '--key', 'other.pem']);
    expect(code).toBe(1);
  });

  it('refuses --key-id with several --key: one pin cannot name two keys', async () => {
    const { code, stderr } = await runCommand(command(), [
      `${HOST}/${REPO}:v1`,
      '--key',
      'a.pem',
      '--key',
      'b.pem',
      ...PIN,
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--key-id pins one alias: with several --key, give PEM files or key ARNs/);
  });

  it('exits 1 for an image that does not exist', async () => {
    const { code, stderr } = await runCommand(command(), [`${HOST}/${REPO}:nope`, ...PIN]);
    expect(code).toBe(1);
    expect(stderr).toBe(`tollgate verify: image: ${HOST}/${REPO}:nope not found in ${HOST}\n`);
  });

  it('exits 1 when a required attestation is older than --max-age', async () => {
    const { code, stderr } = await runCommand(command(), [
      `${HOST}/${REPO}:v1`,
      ...PIN,
      '--require-attestation',
      '--max-age',
      '30m',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^tollgate verify: attestation: EXPIRED: .*\(30m\)\n$/);
  });

  it('exits 2 when the registry cannot be reached', async () => {
    const unreachable = createVerifyCommand(() => ({
      registry: () =>
        ({
          ...registry,
          host: HOST,
          findManifest: () =>
            Promise.reject(
              new RegistryUnavailableError('GET https://registry.example/v2/: connect ECONNREFUSED'),
            ),
        }) as unknown as MemoryRegistry,
      publicKey: () => pemPublicKey(kms.publicKeyPem, kms.keyArn),
    }));
    const { code, stdout, stderr } = await runCommand(unreachable, [`${HOST}/${REPO}:v1`, ...PIN]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/ECONNREFUSED/);
  });

  it('exits 2 for a bad key before reading the registry', async () => {
    const badKey = createVerifyCommand(() => ({
      registry: () => registry,
      publicKey: () => pemPublicKey('nonsense', TEST_KEY_ARN),
    }));
    registry.requests.length = 0;
    const { code, stderr } = await runCommand(badKey, [`${HOST}/${REPO}:v1`, ...PIN]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/not a PEM public key/);
    expect(registry.requests).toEqual([]);
  });
});

describe('tollgate verify pins the key (an alias only with --key-id)', () => {
  let registry: MemoryRegistry;
  let kms: LocalKms;
  let digest: string;
  const OTHER_ARN = 'arn:aws:kms:us-west-2:210987654321:key/0f0e0d0c-0b0a-4000-8000-00000000dead';
  // awskms:// keys go through the real KMS adapter, to a mocked KMSClient; PEM files through the real file reader.
  const command = () =>
    createVerifyCommand(() => ({
      registry: () => registry,
      publicKey: (reference: KeyReference) =>
        reference.kind === 'kms' ? kmsPublicKey(reference, { client: kms.client }) : publicKeyFor(reference),
    }));

  beforeEach(async () => {
    registry = new MemoryRegistry({ host: HOST });
    digest = await pushImage(registry, REPO, 'v1');
    kms = await signInMemory(registry, {
      registry: HOST,
      repository: REPO,
      digest: digest as ImageRef['digest'],
    });
    registry.requests.length = 0;
    kms.mock.resetHistory();
  });

  it('refuses an alias without --key-id, saying where the key ID is, before asking KMS or the registry', async () => {
    for (const key of [[], ['--key', 'awskms:///alias/tollgate-signing']]) {
      const { code, stdout, stderr } = await runCommand(command(), [`${HOST}/${REPO}:v1`, ...key]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('tollgate verify: awskms:///alias/tollgate-signing names an alias');
      expect(stderr).toContain('--key-id');
      expect(stderr).toContain('SigningKeyArn');
    }
    expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(0);
    expect(registry.requests).toEqual([]);
  });

  it('verifies when the alias resolves to the pinned key, given as key ARN or key ID', async () => {
    for (const pin of [TEST_KEY_ARN, TEST_KEY_ARN.split('/').pop()!]) {
      const { code, stderr } = await runCommand(command(), [`${HOST}/${REPO}:v1`, '--key-id', pin]);
      expect([pin, code, stderr]).toEqual([pin, 0, '']);
    }
    expect(kms.mock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: 'alias/tollgate-signing' });
  });

  it('refuses (exit 2, naming both keys) an alias that resolves to another key, before reading the registry', async () => {
    kms.mock.on(GetPublicKeyCommand).resolves({
      KeyId: OTHER_ARN,
      KeySpec: 'ECC_NIST_P256',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: new Uint8Array(64),
    });
    const { code, stdout, stderr } = await runCommand(command(), [`${HOST}/${REPO}:v1`, ...PIN]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `tollgate verify: awskms:///alias/tollgate-signing resolves to key ${OTHER_ARN}, not the pinned key ${TEST_KEY_ARN}: the alias was moved, or names another account's or region's key; refusing to trust it\n`,
    );
    expect(registry.requests).toEqual([]);
  });

  it('needs no --key-id for a key ARN, and refuses a --key-id naming another key', async () => {
    const byArn = ['--key', `awskms:///${TEST_KEY_ARN}`];
    expect((await runCommand(command(), [`${HOST}/${REPO}:v1`, ...byArn])).code).toBe(0);
    const mismatch = await runCommand(command(), [`${HOST}/${REPO}:v1`, ...byArn, '--key-id', OTHER_ARN]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain(`resolves to key ${TEST_KEY_ARN}, not the pinned key ${OTHER_ARN}`);
  });

  it.each([
    [['--key-id', 'alias/tollgate-signing'], /not an alias: the alias is what it pins/],
    [['--key', 'cosign.pub', '--key-id', TEST_KEY_ARN], /pins an awskms:\/\/ key; cosign.pub is a PEM file/],
  ])('refuses %j', async (argv, message) => {
    const { code, stderr } = await runCommand(command(), [`${HOST}/${REPO}:v1`, ...argv]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(registry.requests).toEqual([]);
  });
});

describe('tollgate verify arguments (through the dispatcher)', () => {
  const run = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
    return { code: await main(['verify', ...argv], io), stdout, stderr };
  };

  it('is registered and documents itself', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: tollgate verify IMAGE/);
    expect(stdout).toContain('Exit status: 0 verified, 1 not verified');
  });

  it.each([
    [[], /IMAGE is required/],
    [['a.example/x:1', 'b.example/y:1'], /exactly one IMAGE/],
    [['https://a.example/x:1'], /not an image reference/],
    [['a.example/x:1', '--max-age', '7d'], /add --require-attestation/],
    [['a.example/x:1', '--require-attestation', '--max-age', 'a week'], /not a duration/],
    [['a.example/x:1', '--key', 'gcpkms://projects/p'], /only awskms:\/\/ URIs and PEM files/],
    [['a.example/x:1', '--frobnicate'], /Unknown option/],
  ])('exits 2 for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
