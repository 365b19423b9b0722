import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { parse } from 'yaml';
import type { CliIo } from '../../../cli/command';
import { createPolicyCommand } from '../../../cli/commands/policy';
import { main } from '../../../cli/main';
import { kmsPublicKey, publicKeyFor } from '../../../shared/adapters/gate';
import { localKms, TEST_KEY_ARN } from '../../doubles';
import { runCommand } from './run-command';

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

const at = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
      value,
    );

describe('tollgate policy', () => {
  const kms = localKms();
  let dir: string;
  let keyFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-policy-'));
    keyFile = join(dir, 'tollgate.pub');
    writeFileSync(keyFile, kms.publicKeyPem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // awskms:// keys go to the (mocked) KMS client; files are read from disk as in production.
  const command = createPolicyCommand(() => ({
    publicKey: (reference) =>
      reference.kind === 'kms' ? kmsPublicKey(reference, { client: kms.client }) : publicKeyFor(reference),
  }));

  it('embeds the PEM that GetPublicKey returns for an awskms:// key', async () => {
    kms.mock.resetHistory();
    const { code, stdout, stderr } = await runCommand(command, [
      'kyverno',
      '--kyverno-api',
      'cluster-policy',
      '--key',
      'awskms:///alias/tollgate-signing',
      '--key-id',
      TEST_KEY_ARN,
      '--registry',
      REGISTRY,
      '--repositories',
      'payments/*',
      'web/frontend',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(kms.mock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: 'alias/tollgate-signing' });
    const policy = parse(stdout) as unknown;
    expect(at(policy, 'spec.rules.0.verifyImages.0.attestors.0.entries.0.keys.publicKeys')).toBe(
      kms.publicKeyPem,
    );
    expect(at(policy, 'spec.rules.0.verifyImages.0.imageReferences')).toEqual([
      `${REGISTRY}/payments/*:*`,
      `${REGISTRY}/payments/*@*`,
      `${REGISTRY}/web/frontend:*`,
      `${REGISTRY}/web/frontend@*`,
    ]);
    expect(stdout).toContain('signed by the Tollgate key awskms:///alias/tollgate-signing');
  });

  it('embeds nothing from an alias it cannot pin: refused without --key-id, or when it resolves to another key', async () => {
    const argv = ['kyverno', '--key', 'awskms:///alias/tollgate-signing', '--registry', REGISTRY];
    kms.mock.resetHistory();
    const unpinned = await runCommand(command, argv);
    expect(unpinned.code).toBe(2);
    expect(unpinned.stdout).toBe('');
    expect(unpinned.stderr).toMatch(
      /names an alias, which can be pointed at another key: pin it with --key-id/,
    );
    expect(unpinned.stderr).toContain('SigningKeyArn');
    expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(0);

    const other = 'arn:aws:kms:us-west-2:123456789012:key/0f0e0d0c-0b0a-4000-8000-00000000beef';
    const moved = await runCommand(command, [...argv, '--key-id', other]);
    expect(moved.code).toBe(2);
    expect(moved.stdout).toBe('');
    expect(moved.stderr).toContain(`resolves to key ${TEST_KEY_ARN}, not the pinned key ${other}`);
  });

  it('several --key: every key embedded, an image either signed admitted; --key-id refused with them', async () => {
    const otherFile = join(dir, 'retired.pub');
    writeFileSync(otherFile, localKms().publicKeyPem);
    const { code, stdout } = await runCommand(command, [
      'policy-controller',
      '--key',
      keyFile,
      '--key',
      otherFile,
      '--registry',
      REGISTRY,
    ]);
    expect(code).toBe(0);
    const authorities = at(parse(stdout), 'spec.authorities') as unknown[];
    expect(authorities.map((authority) => at(authority, 'key.data'))).toEqual([
      kms.publicKeyPem.endsWith('\n') ? kms.publicKeyPem : `${kms.publicKeyPem}\n`,
      expect.stringContaining('BEGIN PUBLIC KEY'),
    ]);
    expect(stdout).toContain(`signed by any one of 2 Tollgate keys ${keyFile} or ${otherFile}`);
    const refused = await runCommand(command, [
      'kyverno',
      '--key',
      keyFile,
      '--key',
      otherFile,
      '--key-id',
      TEST_KEY_ARN,
      '--registry',
      REGISTRY,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--key-id pins one alias/);
  });

  it('refuses --key-id without --key', async () => {
    const { code, stderr } = await runCommand(command, [
      'gatekeeper',
      '--registry',
      REGISTRY,
      '--key-id',
      TEST_KEY_ARN,
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--key-id pins the --key alias: give --key too/);
  });

  it.each([
    // The ImageValidatingPolicy is the default: Kyverno deprecated ClusterPolicy in 1.17.
    [['kyverno'], 'kind', 'ImageValidatingPolicy'],
    [['kyverno', '--kyverno-api', 'images'], 'spec.attestors.0.cosign.ctlog.insecureIgnoreTlog', true],
    [['kyverno', '--kyverno-api', 'cluster-policy'], 'kind', 'ClusterPolicy'],
    [['kyverno', '--mode', 'audit'], 'spec.validationActions', ['Audit']],
    [
      ['kyverno', '--kyverno-api', 'cluster-policy', '--mode', 'audit'],
      'spec.validationFailureAction',
      'Audit',
    ],
    [
      ['kyverno', '--kyverno-api', 'cluster-policy', '--require-attestation', '--max-age', '2d'],
      'spec.rules.1.verifyImages.0.attestations.0.conditions.0.all.1.value',
      '48h',
    ],
    [['policy-controller', '--name', 'team-images'], 'metadata.name', 'team-images'],
    [['connaisseur'], 'application.validators.0.type', 'cosign'],
    [
      ['gatekeeper', '--repositories', 'a/*,b/*'],
      'spec.parameters.repos',
      [`${REGISTRY}/a/`, `${REGISTRY}/b/`],
    ],
  ])('%j', async (argv, path, expected) => {
    const { code, stdout } = await runCommand(command, [...argv, '--key', keyFile, '--registry', REGISTRY]);
    expect(code).toBe(0);
    expect(at(parse(stdout), path)).toEqual(expected);
  });

  it('needs no key for gatekeeper, which checks no signature', async () => {
    const { code, stdout } = await runCommand(command, ['gatekeeper', '--registry', REGISTRY]);
    expect(code).toBe(0);
    expect(at(parse(stdout), 'kind')).toBe('K8sAllowedRepos');
  });

  it('exits 2 for an unreadable key file', async () => {
    const { code, stdout, stderr } = await runCommand(command, [
      'kyverno',
      '--key',
      join(dir, 'absent.pem'),
      '--registry',
      REGISTRY,
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/cannot read the key file/);
  });

  describe('arguments (through the dispatcher)', () => {
    const run = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
      return { code: await main(['policy', ...argv], io), stdout, stderr };
    };

    it('is registered and documents itself', async () => {
      const { code, stdout } = await run('--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: tollgate policy ENGINE/);
    });

    it.each([
      [[], /ENGINE is required/],
      [['opa', '--registry', REGISTRY], /unknown ENGINE "opa"/],
      [['kyverno', '--key', 'k.pem'], /--registry HOST is required/],
      [['kyverno', '--registry', REGISTRY], /--key is required/],
      [['gatekeeper', '--registry', REGISTRY, '--mode', 'warn'], /--mode must be enforce or audit/],
      [['connaisseur', '--registry', REGISTRY, '--kyverno-api', 'images', '--key', 'k.pem'], /kyverno only/],
      [
        ['kyverno', '--registry', REGISTRY, '--kyverno-api', 'v2', '--key', 'k.pem'],
        /images or cluster-policy/,
      ],
      [
        ['gatekeeper', '--registry', REGISTRY, '--require-attestation'],
        /cannot check Tollgate's vulnerability attestation/,
      ],
      [['gatekeeper', '--registry', REGISTRY, '--max-age', '1d'], /add --require-attestation/],
      [['gatekeeper', '--registry', 'https://x.example'], /--registry/],
      [['gatekeeper', 'extra', '--registry', REGISTRY], /unexpected argument "extra"/],
    ])('exits 2 for %j', async (argv, message) => {
      const { code, stdout, stderr } = await run(...argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    });
  });
});
