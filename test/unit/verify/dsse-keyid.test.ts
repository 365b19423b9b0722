import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign/dist/bundler/dsse';
import { KmsSigner } from '../../../shared/adapters/aws/kms';
import type { Digest } from '../../../shared/core/domain';
import { verifyImage, type GateDeps } from '../../../shared/adapters/gate';
import { MediaType } from '../../../shared/adapters/oci';
import {
  bundleReferrerAnnotations,
  COSIGN_SIGN_PREDICATE,
  IN_TOTO_PAYLOAD_TYPE,
  inTotoStatement,
  statementBytes,
} from '../../../shared/app/signing';
import {
  cosignKeyHint,
  pemPublicKey,
  readBundleReferrers,
  sha256KeyId,
  verifyBundle,
  type BundleExpectation,
} from '../../../shared/app/verify';
import { localKms, MemoryReferrers, MemoryRegistry } from '../../doubles';
import { pushImage, signInMemory } from '../gate/fixtures';

/**
 * The rules of the Go verifiers users run (sigstore-go under cosign v3 and Kyverno, through go-securesystemslib's
 * DSSE verifier), which @sigstore/verify does not apply: a non-empty DSSE `keyid` must be the key's SHA256KeyID,
 * an envelope carries exactly one signature, and protojson refuses fields the protobufs do not define.
 */
const DIGEST = `sha256:${'c'.repeat(64)}` as Digest;
// The bundles below are built around signatures of this key, made without KMS in between.
const key = localKms();
const { publicKey } = key;
const expected: BundleExpectation = {
  digest: DIGEST,
  predicateType: COSIGN_SIGN_PREDICATE,
  format: 'sigstore-bundle',
};
const ARN = 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

interface BundleJson {
  verificationMaterial: Record<string, unknown> & { publicKey?: { hint: string } };
  dsseEnvelope: { payload: string; signatures: { keyid: string; sig: string }[] } & Record<string, unknown>;
}

/** A bundle as @sigstore/sign's DSSEBundleBuilder writes it (the hint becomes the keyid), then edited. */
const bundleJson = async (
  hint: string,
  edit: (json: BundleJson) => void = () => {},
  statement: object = inTotoStatement('r.example/team/app', DIGEST, COSIGN_SIGN_PREDICATE, {}),
): Promise<Buffer> => {
  const bundle = await new DSSEBundleBuilder({ signer: key.signer(hint), witnesses: [] }).create({
    data: Buffer.from(JSON.stringify(statement)),
    type: IN_TOTO_PAYLOAD_TYPE,
  });
  const json = bundleToJSON(bundle) as unknown as BundleJson;
  edit(json);
  return Buffer.from(JSON.stringify(json));
};

describe("sha256KeyId is go-securesystemslib's SHA256KeyID (ssh.FingerprintSHA256)", () => {
  // Expected values from `ssh-keygen -i -m PKCS8 -f key.pem | ssh-keygen -lf -` (and `ssh-keygen -lf` of the
  // OpenSSH form for Ed25519), which prints the same fingerprint golang.org/x/crypto/ssh computes.
  it.each([
    [
      'ECDSA P-256',
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqUfWtglsAS8bYYzPbT2Gr/+19v4Q\nmZexyB4Td6y1+X04Yw+zFuAX1ZUVRW1Hy25on9qVKzhq+6sZQPP8WMRRpg==\n-----END PUBLIC KEY-----\n',
      'SHA256:B/fZ5xc44kdMwJMh6wy7Fk3AVZZsAFbTQQfZvTqLPi8',
    ],
    [
      'RSA 2048',
      '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5FQ/EoHa93KZHCq+/xKG\n6cq15KrQLSbUDpxpTfYoyp6AGjkJbuSnMFH7gIIu75reOD7DF3wZWypeJt7vzG2i\niPmiW7sByL7h1LLAS0Qu2bQzmrmdKECLBZSStl72dH7LbcnRh+u/TUT4WpC+kepP\njyAvv+KVYuxSHumyk8PyaJN7SyL6wKSgfyRCqF9VVLutCwCTRaeIDyUOo5wudmi1\nfEf24xr/WRVWxZFnmhq6QIyNdl7X/V8Yn4SFcQYq2yiPlxjJFWRnBU77EvxSpKUw\n3WbRY6BOtlID5X4ySdOxU/p7SPNF14jyX3KNO39lfVevh53Zj4AFIJtpgsaOt0O1\nHwIDAQAB\n-----END PUBLIC KEY-----\n',
      'SHA256:Y54BVaDzOsCPv+ttazBkZylmdfvFk/kMspKilU9EXEY',
    ],
    [
      'Ed25519',
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEABu0l3xR+Hnxr49LIXffBx8meysU6YVJCfkJiYSNViV8=\n-----END PUBLIC KEY-----\n',
      'SHA256:Fy9ya+apYpucMSTlsZrepnvmenLgUyl4plQINRA/1Y4',
    ],
  ])('%s', (_name, pem, fingerprint) => {
    expect(sha256KeyId(createPublicKey(pem))).toBe(fingerprint);
  });
});

describe('the bundles Tollgate writes pass the Go verifiers’ DSSE rules (regression: the keyid was the KMS ARN)', () => {
  const readStored = async (): Promise<{ json: BundleJson; key: KeyObject; keyArn: string }> => {
    const registry = new MemoryRegistry({ host: 'r.example' });
    const digest = await pushImage(registry, 'team/app', 'v1');
    const kms = await signInMemory(
      registry,
      { registry: 'r.example', repository: 'team/app', digest },
      { formats: ['sigstore-bundle', 'vuln-attestation'] },
    );
    const { bundles } = await readBundleReferrers(registry, 'team/app', digest);
    expect(bundles).toHaveLength(2);
    const [first] = bundles;
    return {
      json: JSON.parse(first!.bundle.toString()) as BundleJson,
      key: createPublicKey(kms.publicKeyPem),
      keyArn: kms.keyArn,
    };
  };

  it('writes an empty DSSE keyid and exactly one signature', async () => {
    const { json } = await readStored();
    expect(json.dsseEnvelope.signatures).toHaveLength(1);
    expect(json.dsseEnvelope.signatures[0]!.keyid).toBe('');
  });

  it("writes cosign's key hint (base64 SHA-256 of the SPKI DER), not the key ARN", async () => {
    const { json, key, keyArn } = await readStored();
    const hint = createHash('sha256')
      .update(key.export({ format: 'der', type: 'spki' }))
      .digest('base64');
    expect(json.verificationMaterial.publicKey).toEqual({ hint });
    expect(cosignKeyHint(key)).toBe(hint);
    expect(JSON.stringify(json)).not.toContain(keyArn);
  });
});

describe('re-signing replaces a bundle of ours written the old way', () => {
  it('keeps one bundle, with an empty keyid, and takes the ARN-keyid one away', async () => {
    const registry = new MemoryRegistry({ host: 'r.example' });
    const image = {
      registry: 'r.example',
      repository: 'team/app',
      digest: await pushImage(registry, 'team/app'),
    };
    const kms = localKms();
    const old = await new DSSEBundleBuilder({
      signer: new KmsSigner(kms.client, 'alias/tollgate-signing'),
      witnesses: [],
    }).create({
      data: statementBytes(inTotoStatement(`r.example/team/app`, image.digest, COSIGN_SIGN_PREDICATE, {})),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    const oldDigest = await new MemoryReferrers(registry).attach({
      repository: image.repository,
      subject: image.digest,
      artifact: Buffer.from(JSON.stringify(bundleToJSON(old))),
      mediaType: MediaType.sigstoreBundleV03,
      annotations: bundleReferrerAnnotations(COSIGN_SIGN_PREDICATE),
    });

    await signInMemory(registry, image, { kms, formats: ['sigstore-bundle'] });

    const { bundles } = await readBundleReferrers(registry, image.repository, image.digest);
    expect(bundles.map((bundle) => bundle.descriptor.digest)).not.toContain(oldDigest);
    expect(bundles).toHaveLength(1);
    const json = JSON.parse(bundles[0]!.bundle.toString()) as BundleJson;
    expect(json.dsseEnvelope.signatures[0]!.keyid).toBe('');
  });
});

describe('verifyBundle refuses what the Go verifiers refuse', () => {
  it("refuses today's bundles: keyid = the KMS key ARN (go-securesystemslib finds 0 signatures)", async () => {
    const bundle = await bundleJson(ARN);
    expect(verifyBundle(bundle, expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'SIGNATURE_INVALID',
      message: expect.stringMatching(/keyid .*SHA256KeyID/) as string,
    });
  });

  it("accepts an empty keyid and the key's own SHA256KeyID, and nothing close to it", async () => {
    expect(verifyBundle(await bundleJson(''), expected, publicKey).valid).toBe(true);
    const withKeyId = (keyid: string) =>
      bundleJson('', (json) => {
        json.dsseEnvelope.signatures[0]!.keyid = keyid;
      });
    expect(verifyBundle(await withKeyId(sha256KeyId(publicKey)!), expected, publicKey).valid).toBe(true);
    const hexSpki = createHash('sha256')
      .update(publicKey.export({ format: 'der', type: 'spki' }))
      .digest('hex');
    for (const wrong of [hexSpki, cosignKeyHint(publicKey), sha256KeyId(publicKey)!.toLowerCase()]) {
      expect(verifyBundle(await withKeyId(wrong), expected, publicKey)).toMatchObject({
        valid: false,
        reason: 'SIGNATURE_INVALID',
      });
    }
  });

  it('refuses an envelope with two signatures, even when both are genuine', async () => {
    const doubled = await bundleJson('', (json) => {
      json.dsseEnvelope.signatures.push({ ...json.dsseEnvelope.signatures[0]! });
    });
    expect(verifyBundle(doubled, expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'MALFORMED_BUNDLE',
    });
  });

  it.each([
    ['the bundle', (json: BundleJson) => Object.assign(json, { extra: 1 }), /bundle has the unknown field/],
    [
      'verificationMaterial',
      (json: BundleJson) => Object.assign(json.verificationMaterial, { x: 1 }),
      /verificationMaterial has the unknown field/,
    ],
    [
      'the envelope',
      (json: BundleJson) => Object.assign(json.dsseEnvelope, { payload_type: 'x' }),
      /dsseEnvelope has the unknown field "payload_type"/,
    ],
    [
      'a tlog entry',
      (json: BundleJson) => Object.assign(json.verificationMaterial, { tlogEntries: [{ logIndex: '1' }] }),
      /transparency-log entries/,
    ],
  ])(
    'refuses an unknown or uncheckable field in %s (protojson refuses it)',
    async (_where, edit, message) => {
      expect(verifyBundle(await bundleJson('', edit), expected, publicKey)).toMatchObject({
        valid: false,
        reason: 'MALFORMED_BUNDLE',
        message: expect.stringMatching(message) as string,
      });
    },
  );

  it('refuses a genuinely signed statement with a field the in-toto protobuf does not define', async () => {
    const statement = {
      ...inTotoStatement('r.example/team/app', DIGEST, COSIGN_SIGN_PREDICATE, {}),
      comment: 'protojson refuses this',
    };
    expect(verifyBundle(await bundleJson('', undefined, statement), expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'MALFORMED_PAYLOAD',
      message: expect.stringMatching(/statement has the unknown field "comment"/) as string,
    });
    const badSubject = {
      ...inTotoStatement('r.example/team/app', DIGEST, COSIGN_SIGN_PREDICATE, {}),
      subject: [{ name: 'x', digest: { sha256: 'c'.repeat(64), sha512: 'not hex' } }],
    };
    expect(verifyBundle(await bundleJson('', undefined, badSubject), expected, publicKey)).toMatchObject({
      valid: false,
      reason: 'MALFORMED_PAYLOAD',
    });
  });
});

describe('tollgate verify (the gate) refuses a bundle with a mismatching keyid', () => {
  it('counts no signature from it, and still accepts the same bundle with an empty keyid', async () => {
    const registry = new MemoryRegistry({ host: 'registry.example' });
    const repository = 'team/app';
    const digest = await pushImage(registry, repository, 'v1');
    const deps: GateDeps = {
      registry: () => registry,
      publicKey: () => {
        throw new Error('keys are passed directly');
      },
    };
    const statement = inTotoStatement(`registry.example/${repository}`, digest, COSIGN_SIGN_PREDICATE, {});
    const attach = async (bundle: Buffer) =>
      new MemoryReferrers(registry).attach({
        repository,
        subject: digest,
        artifact: bundle,
        mediaType: MediaType.sigstoreBundleV03,
        annotations: bundleReferrerAnnotations(COSIGN_SIGN_PREDICATE),
      });
    const key = pemPublicKey(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const image = `registry.example/${repository}@${digest}`;

    await attach(
      await bundleJson(ARN, undefined, JSON.parse(statementBytes(statement).toString()) as object),
    );
    const refused = await verifyImage({ image, key }, deps);
    expect(refused.verified).toBe(false);
    expect(refused.signatures).toEqual([
      expect.objectContaining({ format: 'sigstore-bundle', valid: false, code: 'SIGNATURE_INVALID' }),
    ]);

    await attach(await bundleJson('', undefined, JSON.parse(statementBytes(statement).toString()) as object));
    const accepted = await verifyImage({ image, key }, deps);
    expect(accepted.verified).toBe(true);
  });
});
