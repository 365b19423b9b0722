import type { Digest, ImageRef } from '../../../shared/core/domain';
import { judgeVulnPredicate, verifyImage, type GateDeps } from '../../../shared/adapters/gate';
import { MediaType, manifestBytes } from '../../../shared/adapters/oci';
import { signatureTag } from '../../../shared/app/signing';
import { pemPublicKey } from '../../../shared/app/verify';
import { localKms, MemoryRegistry } from '../../doubles';
import { pushImage, signInMemory } from './fixtures';

const REPO = 'team/app';
const HOST = 'registry.example';
const NOW = new Date('2030-01-03T00:00:00.000Z');

const depsFor = (registry: MemoryRegistry): GateDeps => ({
  registry: (host) => {
    expect(host).toBe(HOST);
    return registry;
  },
  publicKey: () => {
    throw new Error('the tests pass key sources directly');
  },
});

describe('verifyImage (in memory)', () => {
  it('resolves the tag once, then reads everything by digest', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const digest = await pushImage(registry, REPO, 'v1');
    const kms = await signInMemory(registry, { registry: HOST, repository: REPO, digest });
    registry.requests.length = 0;

    const result = await verifyImage(
      { image: `${HOST}/${REPO}:v1`, key: pemPublicKey(kms.publicKeyPem), now: NOW },
      depsFor(registry),
    );

    expect(result).toMatchObject({ image: `${HOST}/${REPO}:v1`, digest, verified: true, failures: [] });
    expect(result.signatures.map((s) => [s.format, s.valid])).toEqual([
      ['cosign-legacy', true],
      ['sigstore-bundle', true],
    ]);
    expect(result.attestation).toMatchObject({
      required: false,
      valid: true,
      status: 'VALID',
      verdict: 'APPROVED',
    });
    // Only the first read names the tag.
    const byTag = registry.requests.filter((request) => request.endsWith('/manifests/v1'));
    expect(byTag).toHaveLength(1);
    expect(registry.requests[0]).toBe(`GET ${REPO}/manifests/v1`);
  });

  it('defaults to the latest tag and reports a missing image as not verified', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const kms = localKms();
    const result = await verifyImage(
      { image: `${HOST}/${REPO}`, key: pemPublicKey(kms.publicKeyPem) },
      depsFor(registry),
    );
    expect(result).toMatchObject({
      image: `${HOST}/${REPO}:latest`,
      digest: null,
      verified: false,
      failures: [`image: ${HOST}/${REPO}:latest not found in ${HOST}`],
    });
  });

  it('reports an image with no signature at all', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const digest = await pushImage(registry, REPO);
    const result = await verifyImage(
      { image: `${HOST}/${REPO}@${digest}`, key: pemPublicKey(localKms().publicKeyPem) },
      depsFor(registry),
    );
    expect(result.verified).toBe(false);
    expect(result.signatures).toEqual([]);
    expect(result.failures).toEqual([
      expect.stringMatching(/^signature: none found for .*sha256-[0-9a-f]{64}\.sig/),
    ]);
    expect(result.attestation.status).toBe('MISSING');
  });

  it('requires the attestation only when asked, and names the maximum age', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const digest = await pushImage(registry, REPO);
    const image: ImageRef = { registry: HOST, repository: REPO, digest };
    const kms = await signInMemory(registry, image, { scanFinishedOn: '2029-12-01T00:00:00.000Z' });
    const key = pemPublicKey(kms.publicKeyPem);

    const lenient = await verifyImage(
      { image: `${HOST}/${REPO}@${digest}`, key, now: NOW },
      depsFor(registry),
    );
    expect(lenient).toMatchObject({ verified: true, attestation: { required: false, status: 'EXPIRED' } });

    const strict = await verifyImage(
      { image: `${HOST}/${REPO}@${digest}`, key, now: NOW, requireAttestation: true, maxAge: '7d' },
      depsFor(registry),
    );
    expect(strict.verified).toBe(false);
    expect(strict.attestation).toMatchObject({
      required: true,
      valid: false,
      status: 'EXPIRED',
      maxAge: '7d',
    });
    expect(strict.failures).toEqual([
      expect.stringMatching(/^attestation: EXPIRED: the scan finished 2029-12-01T00:00:00.000Z, 33d ago/),
    ]);

    const wide = await verifyImage(
      {
        image: `${HOST}/${REPO}@${digest}`,
        key,
        now: NOW,
        requireAttestation: true,
        maxAge: 60 * 86_400_000,
      },
      depsFor(registry),
    );
    expect(wide).toMatchObject({ verified: true, attestation: { status: 'VALID', maxAge: '60d' } });
  });

  it('lists a .sig tag that holds something else as an unreadable signature', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const digest = await pushImage(registry, REPO);
    const index = manifestBytes({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });
    await registry.putManifest(REPO, signatureTag(digest), { mediaType: MediaType.ociIndex, bytes: index });
    const result = await verifyImage(
      { image: `${HOST}/${REPO}@${digest}`, key: pemPublicKey(localKms().publicKeyPem) },
      depsFor(registry),
    );
    expect(result.signatures).toEqual([
      expect.objectContaining({ format: 'cosign-legacy', valid: false, code: 'UNREADABLE' }),
    ]);
  });

  it('refuses a key that is not a public key PEM before asking the registry anything', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    await expect(
      verifyImage({ image: `${HOST}/${REPO}:v1`, key: pemPublicKey('not a key') }, depsFor(registry)),
    ).rejects.toMatchObject({ name: 'PublicKeyError', code: 'VERIFICATION_FAILED' });
    expect(registry.requests).toEqual([]);
  });

  it('prefers a fresh APPROVED attestation over a stale one', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const digest = await pushImage(registry, REPO);
    const image: ImageRef = { registry: HOST, repository: REPO, digest };
    const kms = await signInMemory(registry, image, {
      formats: ['vuln-attestation'],
      scanFinishedOn: '2029-01-01T00:00:00.000Z',
    });
    // A second verdict later: signImage converges on one attestation per key, so the second is attached by hand.
    const fresh = new MemoryRegistry({ host: HOST });
    const imageManifest = await registry.getManifest(REPO, digest);
    await fresh.putManifest(REPO, digest, { mediaType: imageManifest.mediaType, bytes: imageManifest.bytes });
    await signInMemory(fresh, image, {
      kms,
      formats: ['vuln-attestation'],
      scanFinishedOn: '2030-01-02T00:00:00.000Z',
    });
    for (const descriptor of (await fresh.referrers(REPO, digest)) ?? []) {
      const manifest = await fresh.getManifest(REPO, descriptor.digest);
      const parsed = JSON.parse(manifest.bytes.toString()) as { layers: { digest: Digest }[] };
      await registry.putBlob(REPO, await fresh.getBlob(REPO, parsed.layers[0]!.digest));
      await registry.putManifest(REPO, descriptor.digest, {
        mediaType: manifest.mediaType,
        bytes: manifest.bytes,
      });
    }
    expect(await registry.referrers(REPO, digest)).toHaveLength(2);

    const result = await verifyImage(
      {
        image: `${HOST}/${REPO}@${digest}`,
        key: pemPublicKey(kms.publicKeyPem),
        now: NOW,
        requireAttestation: true,
      },
      depsFor(registry),
    );
    expect(result.attestation).toMatchObject({ status: 'VALID', scanFinishedOn: '2030-01-02T00:00:00.000Z' });
    // No image signature was made: the attestation alone does not verify the image.
    expect(result.verified).toBe(false);
    expect(result.failures).toEqual([expect.stringMatching(/^signature: none found/)]);
  });
});

describe('judgeVulnPredicate', () => {
  const predicate = (verdict: unknown, finished: unknown) => ({
    scanner: { result: { verdict } },
    metadata: { scanStartedOn: finished, scanFinishedOn: finished },
  });
  const week = 7 * 86_400_000;

  it('accepts an APPROVED scan within the maximum age', () => {
    expect(judgeVulnPredicate(predicate('APPROVED', '2030-01-02T00:00:00Z'), NOW, week)).toMatchObject({
      status: 'VALID',
      verdict: 'APPROVED',
      ageMs: 86_400_000,
    });
  });

  it.each([
    ['a REJECTED verdict', predicate('REJECTED', '2030-01-02T00:00:00Z'), 'NOT_APPROVED'],
    ['an old scan', predicate('APPROVED', '2029-12-01T00:00:00Z'), 'EXPIRED'],
    ['a scan from the future', predicate('APPROVED', '2030-02-01T00:00:00Z'), 'INVALID'],
    ['no verdict', predicate(undefined, '2030-01-02T00:00:00Z'), 'INVALID'],
    ['a date that is not RFC 3339', predicate('APPROVED', 'yesterday'), 'INVALID'],
    ['no predicate', undefined, 'INVALID'],
  ])('refuses %s', (_what, value, status) => {
    expect(judgeVulnPredicate(value, NOW, week).status).toBe(status);
  });

  it('tolerates a few minutes of clock skew', () => {
    expect(judgeVulnPredicate(predicate('APPROVED', '2030-01-03T00:03:00Z'), NOW, week).status).toBe('VALID');
  });
});
