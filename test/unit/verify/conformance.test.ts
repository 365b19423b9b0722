import { createHash, createPublicKey } from 'node:crypto';
import type { Digest } from '../../../shared/core/domain';
import { verifyBundle, verifyLegacySignature } from '../../../shared/app/verify';
import { loadSharedJson } from '../../helpers/shared-data';

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
    readonly expect: 'reject';
  }[];
}

const legacy = loadSharedJson<LegacyVectors>('conformance', 'cosign-legacy-vectors.json');
const bundles = loadSharedJson<BundleVectors>('conformance', 'sigstore-bundle-vectors.json');

describe('cosign legacy conformance vectors', () => {
  it('has cases of both outcomes', () => {
    expect(legacy.cases.filter((c) => c.expect === 'accept').length).toBeGreaterThan(0);
    expect(legacy.cases.filter((c) => c.expect === 'reject').length).toBeGreaterThan(0);
  });

  it.each(legacy.cases.map((c) => [c.name, c] as const))('%s', (_name, vector) => {
    const manifest = Buffer.from(vector.manifest, 'base64');
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}` as Digest;
    const key = createPublicKey(legacy.keys[vector.key]!);
    const results = vector.signatures.map((signature) =>
      verifyLegacySignature(
        {
          mediaType: signature.mediaType,
          payload: Buffer.from(signature.payload, 'base64'),
          annotations: signature.annotations,
        },
        { digest, identity: vector.repository },
        key,
      ),
    );
    const accepted = results.some((result) => result.valid);
    expect(accepted ? 'accept' : 'reject').toBe(vector.expect);
  });

  it('gives the specific reason for each rejected vector', () => {
    const reasons = Object.fromEntries(
      legacy.cases
        .filter((c) => c.expect === 'reject')
        .map((vector) => {
          const manifest = Buffer.from(vector.manifest, 'base64');
          const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}` as Digest;
          const signature = vector.signatures[0]!;
          const result = verifyLegacySignature(
            {
              mediaType: signature.mediaType,
              payload: Buffer.from(signature.payload, 'base64'),
              annotations: signature.annotations,
            },
            { digest, identity: vector.repository },
            createPublicKey(legacy.keys[vector.key]!),
          );
          return [vector.name, result.valid ? 'VALID' : result.reason];
        }),
    );
    expect(reasons).toMatchObject({
      'valid-wrong-key': 'SIGNATURE_INVALID',
      'valid-wrong-repository': 'IDENTITY_MISMATCH',
      'modified-manifest': 'DIGEST_MISMATCH',
      'digest-mismatch': 'DIGEST_MISMATCH',
      'not-a-signature': 'WRONG_MEDIA_TYPE',
      'key-with-rekor-bundle-wrong-key': 'SIGNATURE_INVALID',
    });
  });
});

describe('sigstore bundle conformance vectors', () => {
  it.each(bundles.cases.map((c) => [c.name, c] as const))(
    '%s is rejected for its statement',
    (_name, vector) => {
      const result = verifyBundle(
        Buffer.from(JSON.stringify(vector.bundle)),
        {
          digest: `sha256:${vector.subjectSha256}` as Digest,
          predicateType: 'https://example.com/test',
          format: 'sigstore-bundle',
        },
        createPublicKey(vector.publicKey),
      );
      expect(result.valid).toBe(false);
      // The signature itself is good: the rejection must come from the statement check, not the crypto.
      expect(result).toMatchObject({ reason: 'STATEMENT_TYPE' });
    },
  );
});
