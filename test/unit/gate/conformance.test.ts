import type { Digest } from '../../../shared/core/domain';
import { parseImageReference, verifyImage, type GateDeps } from '../../../shared/adapters/gate';
import { MediaType, sha256Digest, type Descriptor } from '../../../shared/adapters/oci';
import {
  bundleReferrerAnnotations,
  COSIGN_SIGN_PREDICATE,
  COSIGN_VULN_PREDICATE,
  signatureManifestWithLayers,
  signatureTag,
} from '../../../shared/app/signing';
import { pemPublicKey } from '../../../shared/app/verify';
import { loadSharedJson } from '../../helpers/shared-data';
import { MemoryReferrers, MemoryRegistry } from '../../doubles';

// The per-reason checks of these vectors live in test/unit/verify/conformance.test.ts; here every vector goes
// through the gate the CLI runs (tag or digest resolution, reading the .sig and the referrers, the verdict).

interface LegacyVectors {
  readonly keys: Record<string, string>;
  readonly cases: readonly {
    readonly name: string;
    readonly repository: string;
    readonly key: string;
    readonly manifest: string;
    readonly signatures: readonly {
      readonly mediaType: string;
      readonly payload: string;
      readonly annotations: Record<string, string>;
    }[];
    readonly expect: 'accept' | 'reject';
  }[];
}

interface BundleVectors {
  readonly cases: readonly {
    readonly name: string;
    readonly publicKey: string;
    readonly bundle: unknown;
    readonly subjectSha256: string;
  }[];
}

const legacy = loadSharedJson<LegacyVectors>('conformance', 'cosign-legacy-vectors.json');
const bundles = loadSharedJson<BundleVectors>('conformance', 'sigstore-bundle-vectors.json');

const deps = (registry: MemoryRegistry): GateDeps => ({
  registry: () => registry,
  publicKey: () => {
    throw new Error('keys are passed directly');
  },
});

/** Stores the vector as a registry would hold it: the image manifest, and the `.sig` manifest with its blobs. */
const storeLegacyVector = async (
  registry: MemoryRegistry,
  vector: LegacyVectors['cases'][number],
): Promise<Digest> => {
  const { repository } = parseImageReference(vector.repository);
  const manifest = Buffer.from(vector.manifest, 'base64');
  // Some vectors' manifests are not even JSON (that is the point of them); the gate never parses the image.
  const mediaType = embeddedMediaType(manifest) ?? MediaType.dockerManifest;
  const { digest } = await registry.putManifest(repository, sha256Digest(manifest), {
    mediaType,
    bytes: manifest,
  });
  const layers: Descriptor[] = [];
  for (const signature of vector.signatures) {
    const payload = Buffer.from(signature.payload, 'base64');
    await registry.putBlob(repository, payload);
    layers.push({
      mediaType: signature.mediaType,
      size: payload.length,
      digest: sha256Digest(payload),
      annotations: signature.annotations,
    });
  }
  const sig = signatureManifestWithLayers(layers);
  for (const blob of sig.blobs) await registry.putBlob(repository, blob.bytes);
  await registry.putManifest(repository, signatureTag(digest), {
    mediaType: MediaType.ociManifest,
    bytes: sig.bytes,
  });
  return digest;
};

const embeddedMediaType = (bytes: Buffer): string | undefined => {
  try {
    return (JSON.parse(bytes.toString()) as { mediaType?: string }).mediaType;
  } catch {
    return undefined;
  }
};

describe('cosign legacy vectors through verifyImage', () => {
  it.each(legacy.cases.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const registry = new MemoryRegistry();
    const digest = await storeLegacyVector(registry, vector);
    const result = await verifyImage(
      { image: `${vector.repository}@${digest}`, key: pemPublicKey(legacy.keys[vector.key]!) },
      deps(registry),
    );
    expect(result.verified ? 'accept' : 'reject').toBe(vector.expect);
    expect(result.digest).toBe(digest);
    expect(result.signatures).toHaveLength(vector.signatures.length);
    if (vector.expect === 'reject') {
      expect(result.signatures.every((signature) => !signature.valid && signature.code !== undefined)).toBe(
        true,
      );
      expect(result.failures).toEqual([
        expect.stringMatching(/^signature: none of the \d signature\(s\) is valid/),
      ]);
    }
  });
});

describe('sigstore bundle vectors through verifyImage', () => {
  it.each(bundles.cases.map((vector) => [vector.name, vector] as const))(
    '%s is refused as a signature and as an attestation',
    async (_name, vector) => {
      const registry = new MemoryRegistry();
      const repository = 'conformance/bundle';
      const digest = `sha256:${vector.subjectSha256}` as Digest;
      // The vector names only the subject's digest; the gate needs a manifest there to resolve, nothing more.
      registry.putRawManifest(repository, digest, Buffer.from('{"schemaVersion":2}'), MediaType.ociManifest);
      const attacher = new MemoryReferrers(registry);
      for (const predicateType of [COSIGN_SIGN_PREDICATE, COSIGN_VULN_PREDICATE]) {
        await attacher.attach({
          repository,
          subject: digest,
          artifact: Buffer.from(JSON.stringify(vector.bundle)),
          mediaType: MediaType.sigstoreBundleV03,
          annotations: bundleReferrerAnnotations(predicateType),
        });
      }
      const result = await verifyImage(
        {
          image: `registry.example/${repository}@${digest}`,
          key: pemPublicKey(vector.publicKey),
          requireAttestation: true,
        },
        deps(registry),
      );
      expect(result.verified).toBe(false);
      expect(result.signatures).toEqual([
        expect.objectContaining({ format: 'sigstore-bundle', valid: false, code: 'STATEMENT_TYPE' }),
      ]);
      expect(result.attestation).toMatchObject({
        status: 'INVALID',
        reason: expect.stringMatching(/^STATEMENT_TYPE/) as unknown,
      });
    },
  );
});
