import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import type { Digest, ImageRecord, ImageRef, SignatureRef } from '../../../shared/core/domain';
import { RegistryResponseTooLargeError } from '../../../shared/core/oci/errors';
import type { ReadLimits } from '../../../shared/core/oci/limits';
import { sha256Digest } from '../../../shared/core/oci/digest';
import { manifestBytes } from '../../../shared/core/oci/manifest';
import { MediaType } from '../../../shared/core/oci/media-types';
import { signatureTag } from '../../../shared/core/formats/manifest/cosign-signature';
import { signImage } from '../../../shared/app/signing';
import { pemPublicKey, type SignatureFormat } from '../../../shared/app/verify';
import { loadConfigFile } from '../../../infra/config-file';
import { main } from '../../../cli/main';
import { createStatusCommand } from '../../../cli/commands/status';
import {
  approvedVerdict,
  localKms,
  MemoryReferrers,
  MemoryRegistry,
  recordFor,
  TEST_KEY_ARN,
  VerdictTable,
  verdictFor,
  type LocalKms,
} from '../../doubles';
import { runCommand } from './run-command';

const HOST = 'registry.example';
const REPO = 'team/app';
const TABLE = 'tollgate-verdicts';
const NOW = new Date('2026-06-10T12:00:00.000Z');
const hoursAgo = (hours: number): string => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const PIN = ['--key-id', TEST_KEY_ARN];
const OTHER_KEY_ARN = 'arn:aws:kms:us-west-2:210987654321:key/0f0e0d0c-0b0a-4000-8000-00000000beef';

// The verdict table as DynamoDB serves it: the real DynamoVerdictStore of the command reads it through GetItem.
const documents = mockClient(DynamoDBDocumentClient);

/** A registry that bounds blob reads as the real transport does: a declared or served size over the limit fails. */
class BoundedRegistry extends MemoryRegistry {
  public override getBlob(repository: string, digest: Digest, limits?: ReadLimits): Promise<Buffer> {
    const blob = this.blobs.get(`${repository}@${digest}`);
    const max = limits?.maxBytes;
    if (max !== undefined && ((limits?.size ?? 0) > max || (blob?.length ?? 0) > max)) {
      const url = `https://${this.host}/v2/${repository}/blobs/${digest}`;
      return Promise.reject(
        new RegistryResponseTooLargeError(
          `${url} is larger than ${max} bytes, the most read for ${limits?.what}`,
          url,
          max,
        ),
      );
    }
    return super.getBlob(repository, digest);
  }
}

interface JsonStatus {
  digest: string;
  record: null | {
    status: string;
    verdict: string | null;
    origin: string;
    announcementPending: boolean;
    signatures: SignatureRef[];
  };
  registry: {
    holdsImage: boolean;
    ours: Record<string, { reference: string; valid: boolean; scanFinishedOn?: string }[]>;
    attestation: { scanFinishedOn: string | null; ageHours: number | null; refreshDue: boolean } | null;
    others: { where: string; reference: string; type: string }[];
    unreadable: { where: string; reference: string; reason: string }[];
  };
  disagreements: string[];
  agree: boolean;
}

describe('tollgate status', () => {
  let registry: BoundedRegistry;
  let table: VerdictTable;
  let ours: LocalKms;
  let image: ImageRef;
  let digest: Digest;

  const command = (env: Record<string, string> = { TOLLGATE_TABLE_NAME: TABLE }) =>
    createStatusCommand({
      gate: () => ({
        registry: () => registry,
        publicKey: () => pemPublicKey(ours.publicKeyPem, ours.keyArn),
      }),
      env: () => env,
      now: () => NOW,
    });
  const status = (...argv: string[]) => runCommand(command(), [`${HOST}/${REPO}:v1`, ...PIN, ...argv]);
  const json = async (...argv: string[]) => {
    const output = await status('--json', ...argv);
    return { ...output, parsed: JSON.parse(output.stdout) as JsonStatus };
  };

  /** Signs `image` for real: KmsSigner over the KMS mock, the production signer and formats. */
  const sign = async (
    kms: LocalKms,
    scannedAt: string,
    formats?: readonly SignatureFormat[],
  ): Promise<SignatureRef[]> => {
    const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
    return signImage(
      {
        signer,
        publicKey: signer,
        registry,
        referrers: new MemoryReferrers(registry),
        backoff: () => Promise.resolve(),
      },
      image,
      approvedVerdict(image, scannedAt),
      formats,
    );
  };

  /** Another signer's artifacts: its own key's three formats, and an SBOM referrer of some other tool. */
  const otherSigners = async (): Promise<void> => {
    await sign(localKms(OTHER_KEY_ARN), hoursAgo(2));
    const sbom = await registry.putBlob(REPO, Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
    const empty = await registry.putBlob(REPO, Buffer.from('{}'));
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
      layers: [{ mediaType: 'application/spdx+json', ...sbom }],
      subject: { mediaType: MediaType.ociManifest, digest, size: 0 },
    };
    const bytes = manifestBytes(manifest);
    await registry.putManifest(REPO, sha256Digest(bytes), {
      mediaType: MediaType.ociManifest,
      bytes,
    });
  };

  const seed = (overrides: Partial<ImageRecord>): void => table.seed(recordFor(image, overrides));

  beforeEach(async () => {
    documents.reset();
    table = new VerdictTable().serve(documents);
    registry = new BoundedRegistry({ host: HOST });
    ours = localKms();
    digest = (await registry.pushImage(REPO, 'status-test', 'v1')).digest;
    image = { registry: HOST, repository: REPO, digest };
  });

  it('exits 0 when the record and the registry agree, and lists other signers without judging them', async () => {
    const signatures = await sign(ours, hoursAgo(3));
    await otherSigners();
    seed({ verdict: approvedVerdict(image, hoursAgo(3)), signatures });

    const { code, stdout, stderr } = await status();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`APPROVED  ${HOST}/${REPO}:v1@${digest}`);
    expect(stdout).toMatch(/decided .* by an event \(push-event-1\)/);
    expect(stdout).toMatch(/\.sig +1 of ours, valid/);
    expect(stdout).toMatch(/signature bundle +1 of ours, valid/);
    expect(stdout).toMatch(/attestation +1 of ours, valid, scan finished .* \(3 hours ago\)/);
    expect(stdout).toMatch(/\.att copy +1 of ours, valid/);
    expect(stdout).toMatch(/other signers +5, never judged/);
    expect(stdout).toContain('The record and the registry agree.');

    // The record was read from the table the flag (here the environment) names, by its key, consistently.
    const gets = documents.commandCalls(GetCommand);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { pk: `image#${REPO}@${digest}`, sk: 'verdict' },
      ConsistentRead: true,
    });

    const { parsed } = await json();
    expect(parsed.agree).toBe(true);
    expect(parsed.record).toMatchObject({ status: 'DECIDED', verdict: 'APPROVED', origin: 'event' });
    expect(Object.fromEntries(Object.entries(parsed.registry.ours).map(([k, v]) => [k, v.length]))).toEqual({
      'cosign-legacy': 1,
      'sigstore-bundle': 1,
      'vuln-attestation': 1,
      'vuln-attestation-att': 1,
    });
    expect(parsed.registry.others.map((other) => other.where).sort()).toEqual([
      '.att',
      '.sig',
      'referrer',
      'referrer',
      'referrer',
    ]);
    expect(parsed.registry.others).toContainEqual(expect.objectContaining({ type: 'application/spdx+json' }));
    expect(parsed.registry.attestation).toMatchObject({ ageHours: 3, refreshDue: false });
  });

  it('says "APPROVED but no .sig", and that the record names a signature the registry does not hold', async () => {
    const signatures = await sign(ours, hoursAgo(3));
    // Our .sig is gone (deleted by hand); another signer then writes a .sig of its own.
    const sig = await registry.headManifest(REPO, signatureTag(digest));
    await registry.deleteManifest(REPO, sig!.digest);
    await otherSigners();
    seed({ verdict: approvedVerdict(image, hoursAgo(3)), signatures });

    const { code, parsed } = await json();
    expect(code).toBe(1);
    const legacy = signatures.find((signature) => signature.format === 'cosign-legacy')!;
    expect(parsed.disagreements).toEqual([
      'APPROVED but no .sig',
      `record names a signature the registry does not hold: cosign-legacy ${legacy.reference}`,
    ]);
    // The other signer's .sig layer is there, and is not taken for ours.
    expect(parsed.registry.others).toContainEqual(expect.objectContaining({ where: '.sig' }));

    const text = await status();
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Disagreements:\n  - APPROVED but no .sig\n');
  });

  it('says the attestation is old and due for refresh, by attestation.refreshAfterHours of --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-status-'));
    try {
      const signatures = await sign(ours, hoursAgo(9 * 24 + 5));
      const verdict = approvedVerdict(image, hoursAgo(9 * 24 + 5));
      seed({ verdict, signatures });

      const { code, parsed, stdout } = await json();
      expect(code).toBe(1);
      expect(parsed.disagreements).toEqual([
        'attestation 9 days old, refresh due (attestation.refreshAfterHours 24)',
      ]);
      expect(parsed.registry.attestation).toMatchObject({ ageHours: 221, refreshDue: true });
      expect(stdout).not.toContain('"agree": true');

      // The deployed configuration refreshes after 10 days: not yet due. Its policy is the one the record names.
      writeFileSync(join(dir, 'policy.yaml'), readFileSync('tollgate.policy.yaml'));
      writeFileSync(
        join(dir, 'config.yaml'),
        "repositories: ['team/*']\npolicy: policy.yaml\nattestation:\n  refreshAfterHours: 240\n",
      );
      const { policy } = loadConfigFile(join(dir, 'config.yaml'));
      seed({ verdict: { ...verdict, policyDigest: policy.digest }, signatures });
      const configured = await json('--config', join(dir, 'config.yaml'));
      expect(configured.parsed.disagreements).toEqual([]);
      expect(configured.code).toBe(0);

      // Judged under another policy than the configured one: the next sweep judges it again.
      seed({ verdict, signatures });
      const other = await json('--config', join(dir, 'config.yaml'));
      expect(other.code).toBe(1);
      expect(other.parsed.disagreements).toEqual([
        `decided under policy ${verdict.policyDigest}, not the configured ${policy.digest}: the next sweep judges it again`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a REVOKED image still carries our signatures', async () => {
    const signatures = await sign(ours, hoursAgo(3));
    await otherSigners();
    seed({
      verdict: verdictFor(image, 'REVOKED'),
      signatures,
      correlationId: 'tollgate-sweep:2026-06-10T11:00:00.000Z',
    });

    const { code, parsed } = await json();
    expect(code).toBe(1);
    expect(parsed.record).toMatchObject({ verdict: 'REVOKED', origin: 'sweep' });
    expect(parsed.disagreements).toEqual([
      'REVOKED but our signatures are present: .sig, signature bundle, attestation, .att copy of the attestation',
    ]);
    const text = await status();
    expect(text.stdout.split('\n')[0]).toBe(`REVOKED  ${HOST}/${REPO}:v1@${digest}`);
    expect(text.stdout).toMatch(/by the sweep \(tollgate-sweep:/);
  });

  it('says "no record: never judged" for an image Tollgate never recorded, and still shows the registry', async () => {
    await otherSigners();
    const { code, parsed } = await json();
    expect(code).toBe(1);
    expect(parsed.record).toBeNull();
    expect(parsed.disagreements).toEqual(['no record: never judged (run tollgate backfill)']);
    expect(parsed.registry.others).toHaveLength(5);
    expect(Object.values(parsed.registry.ours).flat()).toEqual([]);

    const text = await status();
    expect(text.stdout.split('\n')[0]).toBe(`NO RECORD  ${HOST}/${REPO}:v1@${digest}`);
    expect(text.stdout).toContain('  - no record: never judged (run tollgate backfill)');
  });

  it('says when the announcement is pending', async () => {
    const signatures = await sign(ours, hoursAgo(3));
    seed({ verdict: approvedVerdict(image, hoursAgo(3)), signatures, announcementPending: true });
    const { code, parsed } = await json();
    expect(code).toBe(1);
    expect(parsed.record?.announcementPending).toBe(true);
    expect(parsed.disagreements).toEqual([
      'announcement pending: the APPROVED verdict is recorded but its event is not yet on the bus',
    ]);
  });

  it('reports hostile referrers (garbage, oversized) as unreadable instead of failing', async () => {
    const signatures = await sign(ours, hoursAgo(3));
    seed({ verdict: approvedVerdict(image, hoursAgo(3)), signatures });
    // A "bundle" whose layer is 8 MiB, and a referrer whose manifest is no manifest at all.
    const huge = await registry.putBlob(REPO, Buffer.alloc(8 * 1024 * 1024, 0x7b));
    const empty = await registry.putBlob(REPO, Buffer.from('{}'));
    const subject = { mediaType: MediaType.ociManifest, digest, size: 0 };
    const oversized = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.sigstoreBundleV03,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
      layers: [{ mediaType: MediaType.sigstoreBundleV03, ...huge }],
      subject,
    });
    await registry.putManifest(REPO, sha256Digest(oversized), {
      mediaType: MediaType.ociManifest,
      bytes: oversized,
    });
    const garbage = Buffer.from(
      JSON.stringify({ artifactType: MediaType.sigstoreBundleV03, subject, layers: 'not a list \u001b[2J' }),
    );
    await registry.putManifest(REPO, sha256Digest(garbage), {
      mediaType: MediaType.ociManifest,
      bytes: garbage,
    });

    const { code, parsed } = await json();
    expect(parsed.registry.unreadable).toEqual([
      expect.objectContaining({ where: 'referrer', reason: expect.stringMatching(/larger than/) as unknown }),
      expect.objectContaining({
        where: 'referrer',
        reason: expect.stringMatching(/no valid config and layers/) as unknown,
      }),
    ]);
    // Ours are still found beside them, so the record and the registry agree.
    expect(parsed.disagreements).toEqual([]);
    expect(code).toBe(0);

    const text = await status();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/unreadable +2/);
    expect(text.stdout).toContain('note: 2 attached artifact(s) could not be read');
  });

  it('exits 1 for a tag the registry does not hold, with no table read', async () => {
    const { code, stdout, stderr } = await runCommand(command(), [`${HOST}/${REPO}:nope`, ...PIN]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`tollgate status: ${HOST}/${REPO}:nope not found in ${HOST}: nothing to show\n`);
    expect(documents.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('exits 2 naming the stack output when no table is given', async () => {
    const { code, stderr } = await runCommand(command({}), [`${HOST}/${REPO}:v1`, ...PIN]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--table NAME is required (or TOLLGATE_TABLE_NAME): the verdict table, stack output VerdictTableName',
    );
    const flagged = await runCommand(command({}), [`${HOST}/${REPO}:v1`, ...PIN, '--table', 'other-table']);
    expect(flagged.code).toBe(1);
    expect(documents.commandCalls(GetCommand)[0]!.args[0].input.TableName).toBe('other-table');
  });

  it('exits 2 when the table cannot be read, naming it', async () => {
    documents
      .on(GetCommand)
      .rejects(
        Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      );
    const { code, stderr } = await status();
    expect(code).toBe(2);
    expect(stderr).toContain(
      `cannot read the verdict table ${TABLE}: ResourceNotFoundException: Requested resource not found`,
    );
  });

  it('refuses an unpinned alias before asking the registry anything (exit 2)', async () => {
    const { code, stderr } = await runCommand(command(), [`${HOST}/${REPO}:v1`]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--key-id/);
    expect(registry.requests).toEqual([]);
  });

  it('is listed in help, and documents its exit codes', async () => {
    let stdout = '';
    const io = { stdout: (text: string) => (stdout += text), stderr: () => undefined };
    expect(await main(['--help'], io)).toBe(0);
    expect(stdout).toMatch(/^ {2}status +what Tollgate knows of one image/m);
    stdout = '';
    expect(await main(['status', '--help'], io)).toBe(0);
    expect(stdout).toContain(
      'Exit status: 0 the record and the registry agree, 1 they disagree or there is no record',
    );
    expect(stdout).toContain('VerdictTableName');
  });
});
