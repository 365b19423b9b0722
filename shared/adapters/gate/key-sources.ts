import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSigner } from '../aws/kms';
import { pemPublicKey, type PublicKeySource } from '../../app/verify';
import { KeyPinMismatchError, PublicKeyError, UnpinnedKeyError } from '../../core/gate/errors';
import {
  formatKeyReference,
  namesAlias,
  parseKeyReference,
  pinKeyReference,
  sameKey,
  type KeyReference,
} from '../../core/gate/key-reference';

/**
 * A public key PEM read from a file. The file is read and checked up front, so a bad `--key` is an error (exit 2)
 * before any registry is asked anything.
 * @throws PublicKeyError for an unreadable file, anything but a PEM public key, or a private key
 */
export const pemFilePublicKey = (path: string): PublicKeySource => {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PublicKeyError(`cannot read the key file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return pemPublicKey(checkPublicPem(pem, path));
};

/** Returns `pem` if it holds exactly a public key; a private key is refused so it is not copied around by mistake. */
export const checkPublicPem = (pem: string, source: string): string => {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new PublicKeyError(
      `${source} holds a private key; pass the public key (cosign.pub, or the stack's PEM)`,
    );
  }
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new PublicKeyError(`${source} is not a PEM public key (-----BEGIN PUBLIC KEY-----)`);
  }
  try {
    createPublicKey(pem);
  } catch (error) {
    throw new PublicKeyError(`${source} is not a valid public key: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return pem;
};

export interface KmsPublicKeyOptions {
  /** @default a KMSClient for the key's region, with the caller's credentials and AWS_ENDPOINT_URL_KMS honoured */
  readonly client?: KMSClient;
}

/**
 * The public half of a KMS key, read with GetPublicKey under the caller's credentials. The same adapter the signer
 * uses, so a key of the wrong spec is refused the same way. The key must be pinned: an alias only with
 * `pinnedKeyId` (`pinKeyReference`), a key ID or ARN to itself; the key KMS answers for must be the pinned one.
 * @throws UnpinnedKeyError for an alias without `pinnedKeyId`; its `publicKey()` rejects with KeyPinMismatchError
 *   when KMS resolves the reference to another key
 */
export const kmsPublicKey = (
  reference: Extract<KeyReference, { kind: 'kms' }>,
  options: KmsPublicKeyOptions = {},
): PublicKeySource => {
  if (namesAlias(reference) && reference.pinnedKeyId === undefined) {
    throw new UnpinnedKeyError(formatKeyReference(reference));
  }
  return pinnedPublicKey(
    new KmsSigner(options.client ?? kmsClientFor(reference), reference.keyId),
    reference.pinnedKeyId ?? reference.keyId,
    formatKeyReference(reference),
  );
};

/**
 * `source`, trusted only if the key it names (`hint`: for KMS, GetPublicKey's `KeyId`, the ARN of the key an alias
 * resolved to) is `pin`. GetPublicKey rather than a DescribeKey beforehand: the ARN then comes with the very key
 * material it names, whereas an alias moved between a DescribeKey and a GetPublicKey would pass the check with one
 * key and hand over another.
 */
export const pinnedPublicKey = (source: PublicKeySource, pin: string, keyText: string): PublicKeySource => ({
  publicKey: async () => {
    const material = await source.publicKey();
    if (material.hint === undefined || !sameKey(pin, material.hint)) {
      throw new KeyPinMismatchError(keyText, pin, material.hint);
    }
    return material;
  },
});

/**
 * The trusted key for `--key KEY [--key-id KEY-ID]`, as the gates take it: `key` parsed, pinned (`pinKeyReference`:
 * an alias needs `keyId`), read through `publicKey`, and for an `awskms://` key checked against the pin whatever
 * `publicKey` is. For a library gate, pass the result as `verifyImage`'s `key`.
 * @throws PublicKeyError (UnpinnedKeyError, KeyPinMismatchError) as pinKeyReference does
 */
export const pinnedKeySource = (
  key: string,
  keyId: string | undefined,
  publicKey: (reference: KeyReference) => PublicKeySource = publicKeyFor,
): PublicKeySource => {
  const reference = pinKeyReference(parseKeyReference(key), keyId, key);
  const source = publicKey(reference);
  return reference.kind === 'kms' ? pinnedPublicKey(source, reference.pinnedKeyId!, key) : source;
};

const kmsClientFor = (reference: Extract<KeyReference, { kind: 'kms' }>): KMSClient =>
  new KMSClient({
    ...(reference.region === undefined ? {} : { region: reference.region }),
    // cosign's `awskms://HOST/…` names an endpoint; loopback hosts are plain HTTP, as for registries.
    ...(reference.endpoint === undefined ? {} : { endpoint: endpointUrl(reference.endpoint) }),
  });

const endpointUrl = (host: string): string =>
  /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : `https://${host}`;

/** A key source for any reference: a PEM file or KMS. */
export const publicKeyFor = (reference: KeyReference): PublicKeySource =>
  reference.kind === 'file' ? pemFilePublicKey(reference.path) : kmsPublicKey(reference);
