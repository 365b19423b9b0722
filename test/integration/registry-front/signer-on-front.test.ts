import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markMainThreadFetch, type CallCounts, type RegistryMode } from '../../../local/registry-front';
import { pushSampleImage, sampleImages } from '../../../local/sample-images';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import type { VerdictRecordView } from '../../../local/verdict-records';
import { MediaType, OciRegistryClient, type Descriptor } from '../../../shared/adapters/oci';
import { verifyImage } from '../../../shared/app/gate/verify-image';
import { pemPublicKey } from '../../../shared/app/verify/public-key';
import type { Digest } from '../../../shared/core/domain';
import { IMAGE_VERDICT } from '../../../shared/core/events/tollgate-detail-types';
import { BUNDLE_PREDICATE_TYPE_ANNOTATION } from '../../../shared/core/formats/manifest/bundle-referrer';
import { COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE } from '../../../shared/core/formats/payload/statement';
import { pushTestIndex } from '../../helpers/oci';

jest.setTimeout(120_000);

/**
 * What the sign function writes on the local stack, read back through the registry front's referrers API (the
 * ECR path), and found by `tollgate verify` (shared/app/gate/verify-image.ts). The front counts every request by
 * route, so the test can say which path the signer took: on the ECR front no `sha256-<hex>` index is read or
 * written; on plain Distribution the same signing does read and write it (so the zero is not a blind counter).
 */
const [CLEAN] = sampleImages();

const poll = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

interface Running {
  readonly stack: LocalStack;
  readonly log: string[];
  readonly stop: () => Promise<void>;
}

const start = async (registryMode: RegistryMode): Promise<Running> => {
  const stateDir = mkdtempSync(join(tmpdir(), `tollgate-front-${registryMode}-`));
  const log: string[] = [];
  const stack = await startLocalStack({
    stateDir,
    registryMode,
    // Counted in distribution mode too: a front without the referrers API, a transparent proxy.
    registryFront: {},
    config: { repositories: ['*'], policy: 'tollgate.policy.yaml' },
    persistTables: false,
    retryDelayMs: (attempt) => 20 * attempt,
    progress: (line) => log.push(line),
    functionLog: (name, line) => log.push(`[${name}] ${line}`),
    standIn: { scanDelayMs: 0 },
  });
  return {
    stack,
    log,
    stop: async () => {
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};

const idle = async (stack: LocalStack): Promise<void> => {
  await stack.standIn.settled();
  await stack.runtime.idle();
  await stack.standIn.settled();
};

const signedRecord = (stack: LocalStack, repository: string, digest: string): Promise<VerdictRecordView> =>
  poll(`the signatures of ${repository}@${digest}`, async () => {
    const record = await stack.verdicts.read(repository, digest);
    return record?.status === 'DECIDED' && (record.signatures.length > 0 || record.outcome !== 'APPROVED')
      ? record
      : undefined;
  });

const sum = (counts: CallCounts, match: (key: string) => boolean): number =>
  Object.entries(counts)
    .filter(([key]) => match(key))
    .reduce((total, [, n]) => total + n, 0);

const listing = async (
  url: string,
  repository: string,
  digest: string,
  artifactType?: string,
): Promise<{ status: number; filters: string | null; manifests: Descriptor[] }> => {
  const query = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
  const response = await fetch(`${url}/v2/${repository}/referrers/${digest}${query}`, {
    headers: { accept: MediaType.ociIndex },
  });
  const body = response.status === 200 ? ((await response.json()) as { manifests: Descriptor[] }) : undefined;
  return {
    status: response.status,
    filters: response.headers.get('oci-filters-applied'),
    manifests: body?.manifests ?? [],
  };
};

let unmark: () => void;
beforeAll(() => {
  // The test's own requests (pushes, reads, verify) are counted apart from the functions'.
  unmark = markMainThreadFetch();
});
afterAll(() => unmark());

describe('on the ECR front (registry mode ecr)', () => {
  const MULTI = 'front/multi';
  let running: Running;
  let multi: Awaited<ReturnType<typeof pushTestIndex>> | undefined;
  beforeAll(async () => {
    running = await start('ecr');
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('the signer writes one referrer per bundle format, artifactType and subject set, listed by the referrers API', async () => {
    const { stack } = running;
    expect(stack.registry).toMatchObject({ mode: 'ecr', host: stack.registryFront!.host });
    const image = await pushSampleImage(stack.registryClient(), CLEAN!);
    const record = await signedRecord(stack, image.repository, image.digest);
    expect(record.outcome).toBe('APPROVED');
    expect(record.signatures.map((one) => one.format).sort()).toEqual([
      'cosign-legacy',
      'sigstore-bundle',
      'vuln-attestation',
    ]);
    await idle(stack);

    const listed = await listing(stack.registry.url, image.repository, image.digest);
    expect(listed.status).toBe(200);
    // The two bundle formats are attached side by side on the referrers API: one each, in either order.
    expect(
      listed.manifests
        .map((one) => [one.artifactType, one.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION]])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ).toEqual(
      [
        [MediaType.sigstoreBundleV03, COSIGN_SIGN_PREDICATE],
        [MediaType.sigstoreBundleV03, COSIGN_VULN_PREDICATE],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    const client = stack.registryClient();
    for (const descriptor of listed.manifests) {
      const manifest = JSON.parse(
        (await client.getManifest(image.repository, descriptor.digest)).bytes.toString('utf8'),
      ) as {
        artifactType?: string;
        subject?: { digest?: string };
      };
      expect(manifest).toMatchObject({
        artifactType: MediaType.sigstoreBundleV03,
        subject: { digest: image.digest },
      });
    }
    // The references the verdict records are the referrers the API lists.
    const bundleRefs = record.signatures
      .filter((one) => one.format !== 'cosign-legacy')
      .map((one) => one.reference.slice(one.reference.lastIndexOf('@') + 1));
    expect(bundleRefs.sort()).toEqual(listed.manifests.map((one) => one.digest).sort());

    const filtered = await listing(
      stack.registry.url,
      image.repository,
      image.digest,
      MediaType.sigstoreBundleV03,
    );
    expect(filtered).toMatchObject({ status: 200, filters: 'artifactType' });
    expect(filtered.manifests).toHaveLength(2);

    // Nothing of the tag schema in the registry itself: the referrers are untagged, found through the API only.
    const storage = new OciRegistryClient({ host: stack.registry.storage!.host });
    const hex = image.digest.slice(7);
    expect((await storage.listTags(image.repository)).sort()).toEqual(
      [CLEAN!.tag, `sha256-${hex}.att`, `sha256-${hex}.sig`].sort(),
    );
  });

  it('tollgate verify finds the bundle referrer and the attestation through the referrers API', async () => {
    const { stack } = running;
    const [image] = stack.standIn
      .events()
      .filter((one) => one.event['detail-type'] === IMAGE_VERDICT)
      .map((one) => (one.event.detail as { image: { repository: string; digest: Digest } }).image);
    const pem = await stack.publicKeyPem();
    const result = await verifyImage(
      {
        image: `${stack.registry.host}/${image!.repository}@${image!.digest}`,
        key: pemPublicKey(pem),
        requireAttestation: true,
      },
      { registry: () => stack.registryClient(), publicKey: () => pemPublicKey(pem) },
    );
    expect(result.failures).toEqual([]);
    expect(result.verified).toBe(true);
    const referrerDigests = (
      await listing(stack.registry.url, image!.repository, image!.digest)
    ).manifests.map((one) => `${stack.registry.host}/${image!.repository}@${one.digest}`);
    const bundle = result.signatures.find((one) => one.format === 'sigstore-bundle');
    expect(bundle).toMatchObject({ valid: true });
    expect(referrerDigests).toContain(bundle!.reference);
    expect(result.attestation).toMatchObject({ valid: true, status: 'VALID', verdict: 'APPROVED' });
    expect(referrerDigests).toContain(result.attestation.reference);
    expect(createPublicKey(pem).asymmetricKeyType).toBe('ec');
  });

  it('no sha256-<hex> index was read or written, by the functions or by verify; the referrers API was asked', () => {
    const { pipeline, harness } = running.stack.registryFront!.calls();
    const tagSchema = (key: string): boolean => key.endsWith(' referrers tag');
    expect(sum(pipeline, tagSchema)).toBe(0);
    expect(sum(harness, tagSchema)).toBe(0);
    expect(pipeline['GET referrers']).toBeGreaterThan(0);
    expect(harness['GET referrers']).toBeGreaterThan(0);
    process.stdout.write(`\n[registry-front] ecr: pipeline calls ${JSON.stringify(pipeline)}\n`);
  });

  it('a multi-arch index: ECR’s 405 for the index-subject referrer is in the verdict, never silent, and the index is still approved', async () => {
    const { stack } = running;
    const repository = MULTI;
    const client = stack.registryClient();
    const index = await pushTestIndex(client, repository);
    multi = index;
    await client.putManifest(repository, 'multi', { mediaType: MediaType.ociIndex, bytes: index.bytes });
    const verdict = await poll('the verdict of the index', () =>
      Promise.resolve(
        stack.standIn
          .events()
          .map((one) => one.event)
          .find(
            (event) =>
              event['detail-type'] === IMAGE_VERDICT &&
              (event.detail as { image?: { digest?: string } }).image?.digest === index.digest,
          ),
      ),
    );
    await idle(stack);
    expect(stack.registryFront!.refused()).toContainEqual(
      expect.objectContaining({ reason: 'index-subject', repository }),
    );
    // The refusal leaves the index without its bundle referrers, and says so in the APPROVED verdict; the index keeps
    // its .sig (a tag, which ECR takes), and each platform image is signed in every format (the next case).
    const detail = verdict.detail as { verdict: string; warnings: string[] };
    expect(detail.verdict).toBe('APPROVED');
    expect(detail.warnings.join('\n')).toMatch(
      /refused a referrer whose subject is the index .*405 \(UNSUPPORTED\)/,
    );
    expect((await listing(stack.registry.url, repository, index.digest)).manifests).toEqual([]);
  });

  it('… and the platform manifests still carry their own signatures', async () => {
    const { stack } = running;
    const tags = await new OciRegistryClient({ host: stack.registry.storage!.host }).listTags(MULTI);
    for (const child of multi!.children) {
      expect(tags).toContain(`sha256-${child.digest.slice(7)}.sig`);
      expect((await listing(stack.registry.url, MULTI, child.digest)).manifests).toHaveLength(2);
    }
  });
});

describe('on plain Distribution (registry mode distribution), for contrast', () => {
  let running: Running;
  beforeAll(async () => {
    running = await start('distribution');
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('the same signing reads and writes the sha256-<hex> index, and finds no referrers API', async () => {
    const { stack } = running;
    expect(stack.registry.mode).toBe('distribution');
    expect(stack.registryFront!.servesReferrers).toBe(false);
    const image = await pushSampleImage(stack.registryClient(), CLEAN!);
    const record = await signedRecord(stack, image.repository, image.digest);
    expect(record.signatures).toHaveLength(3);
    await idle(stack);
    const { pipeline } = stack.registryFront!.calls();
    expect(pipeline['GET referrers tag']).toBeGreaterThan(0);
    expect(pipeline['PUT referrers tag']).toBeGreaterThan(0);
    expect((await listing(stack.registry.url, image.repository, image.digest)).status).toBe(404);
    process.stdout.write(`\n[registry-front] distribution: pipeline calls ${JSON.stringify(pipeline)}\n`);
  });
});
