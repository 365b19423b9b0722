import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../cli/command';
import { main } from '../../../cli/main';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import type { ImageRef } from '../../../shared/core/domain';
import { anonymous, OciRegistryClient, referrersTag } from '../../../shared/adapters/oci';
import { signImage } from '../../../shared/app/signing';
import { SigstoreOciAttacher } from '../../helpers/sigstore-oci-attacher';
import { pemPublicKey } from '../../../shared/app/verify';
import { verifyImageSignatures } from '../../helpers/verify-formats';
import {
  localKms,
  pushTestImage,
  startTestRegistry,
  type LocalKms,
  type TestRegistry,
} from '../../helpers/oci';
import { approvedVerdict } from '../../unit/gate/fixtures';

jest.setTimeout(60_000);

interface JsonOutput {
  verified: boolean;
  signatures: { format: string; valid: boolean; code?: string; reason: string; reference?: string }[];
  attestation: { status: string; reason: string };
  failures: string[];
}

/**
 * Distribution 2.8 has no referrers API, so bundles are listed by the tag-schema index under `sha256-<hex>`, a tag
 * anyone with push access can overwrite. With an image there instead of an index, the bundles cannot be listed; the
 * legacy `.sig` next to them must still verify, and the bundle formats be reported as unreadable, not as an error.
 */
describe('a referrers tag overwritten with an image, on a real registry', () => {
  let registry: TestRegistry;
  let client: OciRegistryClient;
  let kms: LocalKms;
  let dir: string;
  let keyFile: string;
  let image: ImageRef;

  beforeAll(async () => {
    registry = await startTestRegistry('anonymous');
    client = new OciRegistryClient({ host: registry.host });
    kms = localKms();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-broken-tag-'));
    keyFile = join(dir, 'tollgate.pub');
    writeFileSync(keyFile, kms.publicKeyPem);

    const repository = 'gate/broken-tag';
    image = { registry: registry.host, repository, digest: (await pushTestImage(client, repository)).digest };
    const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
    await signImage(
      {
        signer,
        publicKey: signer,
        registry: client,
        referrers: new SigstoreOciAttacher(client, anonymous),
        backoff: () => new Promise((resolve) => setTimeout(resolve, 10)),
      },
      image,
      approvedVerdict(image, new Date(Date.now() - 3_600_000).toISOString()),
      ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'],
    );
    // The attack: push any image and tag it sha256-<hex>, replacing the index that lists our bundles.
    const other = await pushTestImage(client, repository);
    await client.putManifest(repository, referrersTag(image.digest), {
      mediaType: other.descriptor.mediaType,
      bytes: other.bytes,
    });
  });

  afterAll(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ref = (): string => `${image.registry}/${image.repository}@${image.digest}`;
  const tagRef = (): string => `${image.registry}/${image.repository}:${referrersTag(image.digest)}`;

  it('tollgate verify still verifies by the legacy signature and reports the bundles as UNREADABLE', async () => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };

    const code = await main(['verify', ref(), '--key', keyFile, '--json'], io);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const output = JSON.parse(stdout) as JsonOutput;
    expect(output.verified).toBe(true);
    expect(output.signatures).toEqual([
      expect.objectContaining({ format: 'cosign-legacy', valid: true }),
      expect.objectContaining({
        format: 'sigstore-bundle',
        valid: false,
        code: 'UNREADABLE',
        reference: tagRef(),
        reason: expect.stringContaining('not an OCI index') as unknown,
      }),
    ]);
    // The vulnerability attestation was listed there too: unreadable, so not valid, and said so.
    expect(output.attestation).toMatchObject({ status: 'INVALID' });
    expect(output.attestation.reason).toMatch(/^UNREADABLE: referrers unreadable: /);
  });

  it('demanding the attestation then refuses the image (exit 1), with the reason, not an error (exit 2)', async () => {
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: (text) => (stderr += text) };

    const code = await main(['verify', ref(), '--key', keyFile, '--require-attestation'], io);

    expect(code).toBe(1);
    expect(stderr).toContain('attestation: INVALID: UNREADABLE: referrers unreadable');
  });

  it('verifyImageSignatures checks the legacy format and reports each bundle format as UNREADABLE', async () => {
    const results = await verifyImageSignatures(
      { registry: client, publicKey: pemPublicKey(kms.publicKeyPem) },
      image,
    );

    expect(results.map((result) => [result.format, result.valid ? 'VALID' : result.reason])).toEqual([
      ['cosign-legacy', 'VALID'],
      ['sigstore-bundle', 'UNREADABLE'],
      ['vuln-attestation', 'UNREADABLE'],
    ]);
    expect(results[1]).toMatchObject({ reference: tagRef() });
  });
});
