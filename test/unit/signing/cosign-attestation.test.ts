import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { Digest, ImageRef } from '../../../shared/core/domain';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import { MediaType, type ImageManifest, type RegistryClient } from '../../../shared/adapters/oci';
import {
  COSIGN_VULN_PREDICATE,
  IN_TOTO_PAYLOAD_TYPE,
  inTotoStatement,
  removeOwnSignatures,
  signatureManifestWithLayers,
  signImage,
  type SigningDeps,
} from '../../../shared/app/signing';
import {
  attestationLayerDescriptor,
  attestationTag,
} from '../../../shared/core/formats/manifest/cosign-attestation';
import { readBundleReferrers, sha256KeyId } from '../../../shared/app/verify';
import {
  preAuthenticationEncoding,
  verifyAttestationEnvelope,
} from '../../../shared/core/verify/attestation-envelope';
import { approvedVerdict, localKms, MemoryReferrers, MemoryRegistry } from '../../doubles';
import { pushImage, signInMemory } from '../gate/fixtures';

/**
 * The vulnerability attestation's second copy, in cosign's legacy `sha256-<hex>.att` layout, for the verifiers
 * that cannot read Tollgate's bundle (cosign up to 2.6.2, policy-controller, Kyverno `type: Cosign`).
 */
const HOST = 'r.example';
const REPOSITORY = 'team/app';

const envelopeOf = (
  statement: object,
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'],
  edit: (envelope: Record<string, unknown>) => void = () => {},
): Buffer => {
  const payload = Buffer.from(JSON.stringify(statement));
  const envelope: Record<string, unknown> = {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [
      {
        keyid: '',
        sig: sign('sha256', preAuthenticationEncoding(IN_TOTO_PAYLOAD_TYPE, payload), privateKey).toString(
          'base64',
        ),
      },
    ],
  };
  edit(envelope);
  return Buffer.from(JSON.stringify(envelope));
};

const readAtt = async (registry: RegistryClient, digest: Digest) => {
  const fetched = await registry.findManifest(REPOSITORY, attestationTag(digest));
  if (fetched === undefined) return undefined;
  const manifest = JSON.parse(fetched.bytes.toString()) as ImageManifest;
  const envelopes = await Promise.all(
    manifest.layers.map(async (layer) => (await registry.getBlob(REPOSITORY, layer.digest)).toString()),
  );
  return { manifest, envelopes };
};

describe('the .att copy of the vulnerability attestation', () => {
  it('holds the bundle’s own DSSE envelope (one KMS signature for both), once however often it is signed', async () => {
    const registry = new MemoryRegistry({ host: HOST });
    const image: ImageRef = {
      registry: HOST,
      repository: REPOSITORY,
      digest: await pushImage(registry, REPOSITORY),
    };
    const kms = await signInMemory(registry, image, { formats: ['vuln-attestation'] });
    await signInMemory(registry, image, { kms, formats: ['vuln-attestation'] });

    const att = await readAtt(registry, image.digest);
    expect(att?.manifest.layers).toHaveLength(1);
    const { bundles } = await readBundleReferrers(registry, REPOSITORY, image.digest);
    const bundleEnvelope = (JSON.parse(bundles[0]!.bundle.toString()) as { dsseEnvelope: unknown })
      .dsseEnvelope;
    expect(JSON.parse(att!.envelopes[0]!)).toEqual(bundleEnvelope);
    expect(
      verifyAttestationEnvelope(
        Buffer.from(att!.envelopes[0]!),
        { digest: image.digest, predicateType: COSIGN_VULN_PREDICATE },
        createPublicKey(kms.publicKeyPem),
      ),
    ).toMatchObject({ valid: true });
  });

  describe('is written beside the referrer, not after it', () => {
    /** A referrer attacher that holds every attach until `release` is called, then fails it or lets it through. */
    const heldReferrers = (registry: MemoryRegistry) => {
      const inner = new MemoryReferrers(registry);
      let release!: (outcome: 'through' | 'fail') => void;
      const released = new Promise<'through' | 'fail'>((resolve) => (release = resolve));
      let reached!: () => void;
      const attaching = new Promise<void>((resolve) => (reached = resolve));
      const attacher = {
        attach: async (request: Parameters<MemoryReferrers['attach']>[0]) => {
          reached();
          if ((await released) === 'fail') throw new Error('the registry went away');
          return inner.attach(request);
        },
      };
      return { attacher, attaching, release };
    };

    /** Optionally holds the `.att` manifest PUT until `attPut.release()`. */
    const setUp = async (options: { readonly holdAttPut?: boolean } = {}) => {
      const registry = new MemoryRegistry({ host: HOST });
      let releaseAtt!: () => void;
      const attReleased = new Promise<void>((resolve) => (releaseAtt = resolve));
      let reachedAtt!: () => void;
      const attReached = new Promise<void>((resolve) => (reachedAtt = resolve));
      const gated: MemoryRegistry = Object.create(registry) as MemoryRegistry;
      gated.putManifest = async (...args: Parameters<MemoryRegistry['putManifest']>) => {
        if (options.holdAttPut === true && args[1].endsWith('.att')) {
          reachedAtt();
          await attReleased;
        }
        return registry.putManifest(...args);
      };
      const image: ImageRef = {
        registry: HOST,
        repository: REPOSITORY,
        digest: await pushImage(registry, REPOSITORY),
      };
      const kms = localKms();
      const signer = new KmsSigner(kms.client, 'alias/tollgate-signing');
      const held = heldReferrers(registry);
      const deps: SigningDeps = {
        signer,
        publicKey: signer,
        registry: gated,
        referrers: held.attacher,
        backoff: () => Promise.resolve(),
      };
      const signing = signImage(deps, image, approvedVerdict(image, '2030-01-01T00:00:00.000Z'), [
        'vuln-attestation',
      ]);
      return { registry, image, held, signing, attPut: { reached: attReached, release: releaseAtt } };
    };

    /** Polls until the `.att` tag holds a layer, or gives up. */
    const attWritten = async (registry: MemoryRegistry, digest: Digest): Promise<boolean> => {
      for (let attempt = 0; attempt < 200; attempt++) {
        if ((await readAtt(registry, digest))?.envelopes.length === 1) return true;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return false;
    };

    it('the .att layer lands while the referrer is still being attached, and holds that referrer’s envelope', async () => {
      const { registry, image, held, signing } = await setUp();
      await held.attaching;
      // The referrer is not attached yet, and the copy is already there.
      expect(await attWritten(registry, image.digest)).toBe(true);
      held.release('through');
      await signing;
      const { bundles } = await readBundleReferrers(registry, REPOSITORY, image.digest);
      expect(bundles).toHaveLength(1);
      const bundleEnvelope = (JSON.parse(bundles[0]!.bundle.toString()) as { dsseEnvelope: unknown })
        .dsseEnvelope;
      const att = await readAtt(registry, image.digest);
      expect(JSON.parse(att!.envelopes[0]!)).toEqual(bundleEnvelope);
    });

    it('a referrer that fails fails the signing only once the copy has finished (no write outlives it)', async () => {
      const { registry, image, held, signing, attPut } = await setUp({ holdAttPut: true });
      let settled = false;
      const outcome = signing.then(
        () => 'signed',
        (error: unknown) => error,
      );
      void outcome.then(() => (settled = true));
      await held.attaching;
      held.release('fail');
      await attPut.reached;
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The referrer has failed, and the copy's write is still under way: the signing has not answered yet.
      expect(settled).toBe(false);
      attPut.release();
      // Not a retryable error: it goes straight out, once the copy has settled.
      expect(await outcome).toEqual(new Error('the registry went away'));
      expect((await readAtt(registry, image.digest))?.envelopes).toHaveLength(1);
      expect((await readBundleReferrers(registry, REPOSITORY, image.digest)).bundles).toHaveLength(0);
    });
  });

  it('keeps another attester’s layer when signing and when revoking, and removes only ours', async () => {
    // Without the referrers API, so the bundles are listed in (and taken out of) the tag-schema index too.
    const registry = new MemoryRegistry({ referrersApi: false });
    const { digest } = await registry.pushImage(REPOSITORY, 'x');
    const image: ImageRef = { registry: registry.host, repository: REPOSITORY, digest };
    const signer = new KmsSigner(localKms().client, 'alias/tollgate-signing');
    const deps: SigningDeps = {
      signer,
      publicKey: signer,
      registry,
      referrers: new MemoryReferrers(registry),
      backoff: () => Promise.resolve(),
    };
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreign = envelopeOf(
      inTotoStatement(`${registry.host}/${REPOSITORY}`, digest, 'https://slsa.dev/provenance/v1', {}),
      other.privateKey,
    );
    await registry.putBlob(REPOSITORY, foreign);
    const existing = signatureManifestWithLayers([
      attestationLayerDescriptor(foreign, 'https://slsa.dev/provenance/v1'),
    ]);
    for (const blob of existing.blobs) await registry.putBlob(REPOSITORY, blob.bytes);
    await registry.putManifest(REPOSITORY, attestationTag(digest), {
      mediaType: MediaType.ociManifest,
      bytes: existing.bytes,
    });

    await signImage(deps, image, approvedVerdict(image));
    const signed = await readAtt(registry, digest);
    expect(signed?.envelopes).toHaveLength(2);
    expect(signed?.envelopes[0]).toBe(foreign.toString());

    const removed = await removeOwnSignatures(deps, image);
    expect(removed).toMatchObject({ attestationLayers: 1, legacyLayers: 1, referrers: 2 });
    const left = await readAtt(registry, digest);
    expect(left?.envelopes).toEqual([foreign.toString()]);
  });
});

describe('verifyAttestationEnvelope refuses what cosign and the Go DSSE verifier refuse', () => {
  const DIGEST = `sha256:${'d'.repeat(64)}` as Digest;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const expected = { digest: DIGEST, predicateType: COSIGN_VULN_PREDICATE };
  const statement = inTotoStatement('r.example/team/app', DIGEST, COSIGN_VULN_PREDICATE, {});
  const check = (envelope: Buffer) => verifyAttestationEnvelope(envelope, expected, publicKey);

  it('accepts an empty keyid and the key’s SHA256KeyID', () => {
    expect(check(envelopeOf(statement, privateKey)).valid).toBe(true);
    const withKeyId = envelopeOf(statement, privateKey, (envelope) => {
      (envelope.signatures as { keyid: string }[])[0]!.keyid = sha256KeyId(publicKey)!;
    });
    expect(check(withKeyId).valid).toBe(true);
  });

  it.each([
    [
      'another keyid',
      (envelope: Record<string, unknown>) => {
        (envelope.signatures as { keyid: string }[])[0]!.keyid = 'arn:aws:kms:us-west-2:1:key/x';
      },
      'SIGNATURE_INVALID',
    ],
    [
      'two signatures',
      (envelope: Record<string, unknown>) => {
        const [one] = envelope.signatures as object[];
        envelope.signatures = [one, one];
      },
      'MALFORMED_BUNDLE',
    ],
    [
      'an unknown field',
      (envelope: Record<string, unknown>) => {
        envelope.extra = 1;
      },
      'MALFORMED_BUNDLE',
    ],
    [
      'a payload changed after signing',
      (envelope: Record<string, unknown>) => {
        envelope.payload = Buffer.from(JSON.stringify({ ...statement, predicate: { x: 1 } })).toString(
          'base64',
        );
      },
      'SIGNATURE_INVALID',
    ],
    [
      'another payload type',
      (envelope: Record<string, unknown>) => {
        envelope.payloadType = 'application/json';
      },
      'MALFORMED_BUNDLE',
    ],
  ])('refuses %s', (_name, edit, reason) => {
    expect(check(envelopeOf(statement, privateKey, edit))).toMatchObject({ valid: false, reason });
  });

  it('refuses a genuine envelope about another digest or predicate type', () => {
    const otherDigest = inTotoStatement(
      'r.example/team/app',
      `sha256:${'e'.repeat(64)}` as Digest,
      COSIGN_VULN_PREDICATE,
      {},
    );
    expect(check(envelopeOf(otherDigest, privateKey))).toMatchObject({ reason: 'SUBJECT_MISMATCH' });
    const otherType = inTotoStatement('r.example/team/app', DIGEST, 'https://slsa.dev/provenance/v1', {});
    expect(check(envelopeOf(otherType, privateKey))).toMatchObject({ reason: 'PREDICATE_TYPE' });
  });
});
