import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import {
  KeyPinMismatchError,
  kmsPublicKey,
  parseKeyReference,
  pinKeyReference,
  pinnedKeySource,
  PublicKeyError,
  publicKeyFor,
  sameKey,
  UnpinnedKeyError,
  type KeyReference,
} from '../../../shared/adapters/gate';
import { pemPublicKey } from '../../../shared/app/verify';
import { localKms, TEST_KEY_ARN } from '../../doubles';

/**
 * Section 3 of issue #13: a gate trusts a key, not an alias. An alias is refused unless pinned to the key it must
 * resolve to, and the key KMS hands over is checked against the pin (GetPublicKey's KeyId, in the same call).
 */

const KEY_ID = TEST_KEY_ARN.split('/').pop()!;
const OTHER_ARN = 'arn:aws:kms:us-west-2:210987654321:key/0f0e0d0c-0b0a-4000-8000-00000000dead';
const ALIAS = 'awskms:///alias/tollgate-signing';

describe('pinKeyReference', () => {
  it.each([ALIAS, 'awskms://alias/tollgate-signing', 'awskms:///arn:aws:kms:us-west-2:123456789012:alias/x'])(
    'refuses the alias %s without a key ID, and says where to find it',
    (key) => {
      const pin = (): KeyReference => pinKeyReference(parseKeyReference(key), undefined, key);
      expect(pin).toThrow(UnpinnedKeyError);
      expect(pin).toThrow(
        /pin it with --key-id .*stack output SigningKeyArn: aws cloudformation describe-stacks/,
      );
    },
  );

  it('pins an alias to the key ID or key ARN given', () => {
    for (const keyId of [TEST_KEY_ARN, KEY_ID]) {
      expect(pinKeyReference(parseKeyReference(ALIAS), keyId)).toEqual({
        kind: 'kms',
        keyId: 'alias/tollgate-signing',
        pinnedKeyId: keyId,
      });
    }
  });

  it('pins a key ARN or key ID to itself; a --key-id with it must name the same key', () => {
    expect(pinKeyReference(parseKeyReference(`awskms:///${TEST_KEY_ARN}`), undefined)).toMatchObject({
      pinnedKeyId: TEST_KEY_ARN,
    });
    expect(pinKeyReference(parseKeyReference(`awskms:///${KEY_ID}`), TEST_KEY_ARN)).toMatchObject({
      keyId: KEY_ID,
      pinnedKeyId: TEST_KEY_ARN,
    });
    expect(() => pinKeyReference(parseKeyReference(`awskms:///${TEST_KEY_ARN}`), OTHER_ARN)).toThrow(
      KeyPinMismatchError,
    );
  });

  it.each([
    ['an alias as key ID', ALIAS, 'alias/tollgate-signing', /not an alias: the alias is what it pins/],
    [
      'a key ID with a PEM file',
      'tollgate.pub',
      KEY_ID,
      /tollgate.pub is a PEM file, which is pinned by its content/,
    ],
    ['garbage', ALIAS, 'not-a-key', /expected a key ID .* or key ARN/],
  ])('refuses %s', (_what, key, keyId, message) => {
    expect(() => pinKeyReference(parseKeyReference(key), keyId)).toThrow(PublicKeyError);
    expect(() => pinKeyReference(parseKeyReference(key), keyId)).toThrow(message);
  });

  it('leaves a PEM file alone: its content is the pin', () => {
    expect(pinKeyReference(parseKeyReference('tollgate.pub'), undefined)).toEqual({
      kind: 'file',
      path: 'tollgate.pub',
    });
  });
});

describe('sameKey', () => {
  it('compares ARNs whole (account, region) and key IDs by ID', () => {
    expect(sameKey(TEST_KEY_ARN, TEST_KEY_ARN)).toBe(true);
    expect(sameKey(KEY_ID, TEST_KEY_ARN)).toBe(true);
    expect(sameKey(KEY_ID.toUpperCase(), TEST_KEY_ARN)).toBe(true);
    expect(sameKey(TEST_KEY_ARN, TEST_KEY_ARN.replace('us-west-2', 'eu-west-1'))).toBe(false);
    expect(sameKey(TEST_KEY_ARN, OTHER_ARN)).toBe(false);
    expect(sameKey('alias/tollgate-signing', 'alias/tollgate-signing')).toBe(false);
  });
});

describe('KMS keys are read pinned', () => {
  it('accepts the key the alias resolves to when it is the pinned one', async () => {
    const kms = localKms();
    const reference = pinKeyReference(parseKeyReference(ALIAS), KEY_ID) as Extract<
      KeyReference,
      { kind: 'kms' }
    >;
    await expect(kmsPublicKey(reference, { client: kms.client }).publicKey()).resolves.toEqual({
      pem: kms.publicKeyPem,
      hint: TEST_KEY_ARN,
    });
    expect(kms.mock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: 'alias/tollgate-signing' });
  });

  it('refuses a moved alias, naming both keys', async () => {
    const kms = localKms(OTHER_ARN);
    const reference = pinKeyReference(parseKeyReference(ALIAS), TEST_KEY_ARN) as Extract<
      KeyReference,
      { kind: 'kms' }
    >;
    const read = kmsPublicKey(reference, { client: kms.client }).publicKey();
    await expect(read).rejects.toThrow(KeyPinMismatchError);
    await expect(kmsPublicKey(reference, { client: kms.client }).publicKey()).rejects.toMatchObject({
      expected: TEST_KEY_ARN,
      actual: OTHER_ARN,
      message: `${ALIAS} resolves to key ${OTHER_ARN}, not the pinned key ${TEST_KEY_ARN}: the alias was moved, or names another account's or region's key; refusing to trust it`,
    });
  });

  it('refuses an unpinned alias in the library path too (verifyImage with defaultGateDeps)', () => {
    expect(() => publicKeyFor(parseKeyReference(ALIAS))).toThrow(UnpinnedKeyError);
    expect(() => kmsPublicKey({ kind: 'kms', keyId: 'alias/tollgate-signing' })).toThrow(UnpinnedKeyError);
  });

  it('checks the pin whatever adapter reads the key: a source naming no key, or another, is refused', async () => {
    await expect(pinnedKeySource(ALIAS, KEY_ID, () => pemPublicKey('pem')).publicKey()).rejects.toMatchObject(
      {
        actual: undefined,
        message: expect.stringContaining('KMS named no key ID for it') as unknown,
      },
    );
    await expect(
      pinnedKeySource(ALIAS, KEY_ID, () => pemPublicKey('pem', OTHER_ARN)).publicKey(),
    ).rejects.toThrow(KeyPinMismatchError);
    await expect(
      pinnedKeySource(ALIAS, KEY_ID, () => pemPublicKey('pem', TEST_KEY_ARN)).publicKey(),
    ).resolves.toEqual({ pem: 'pem', hint: TEST_KEY_ARN });
  });
});
