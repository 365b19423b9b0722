import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import type { StandInContext } from './context';
import { AwsApiError } from './protocol';
import { readState, writePrivate, writeState } from './state-file';

export interface KeyRecord {
  readonly keyId: string;
  readonly arn: string;
  readonly description: string;
  /** ISO 8601. */
  readonly creationDate: string;
}

interface KmsState {
  readonly keys: readonly KeyRecord[];
  /** `alias/<name>` → key id. */
  readonly aliases: Readonly<Record<string, string>>;
}

const ALIAS = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

/**
 * Real ECC_NIST_P256 keys, one PKCS#8 PEM (mode 0600) per key in `<stateDir>/kms`, plus a JSON index of
 * key metadata and aliases. Keys survive restarts, so a public key handed to verifiers stays valid.
 */
export class KmsKeyStore {
  readonly #dir: string;
  readonly #index: string;
  #state: KmsState;
  readonly #privateKeys = new Map<string, KeyObject>();

  public constructor(
    stateDir: string,
    private readonly context: StandInContext,
  ) {
    this.#dir = join(stateDir, 'kms');
    this.#index = join(this.#dir, 'keys.json');
    this.#state = readState<KmsState>(this.#index, { keys: [], aliases: {} });
  }

  public create(description: string): KeyRecord {
    const keyId = randomUUID();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writePrivate(this.pemPath(keyId), privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const record: KeyRecord = {
      keyId,
      arn: `arn:aws:kms:${this.context.region}:${this.context.accountId}:key/${keyId}`,
      description,
      creationDate: this.context.now().toISOString(),
    };
    this.save({ ...this.#state, keys: [...this.#state.keys, record] });
    return record;
  }

  public createAlias(aliasName: string, targetKeyId: string): void {
    if (!ALIAS.test(aliasName) || aliasName.startsWith('alias/aws/')) {
      throw new AwsApiError('InvalidAliasNameException', `Alias ${aliasName} is not a valid alias name.`);
    }
    if (this.#state.aliases[aliasName] !== undefined) {
      throw new AwsApiError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(aliasName)} already exists`,
      );
    }
    // KMS refuses an alias as the target of an alias: it must name a key.
    if (targetKeyId.startsWith('alias/') || targetKeyId.includes(':alias/')) {
      throw new AwsApiError('ValidationException', 'TargetKeyId must be a key id or key ARN, not an alias.');
    }
    const key = this.resolve(targetKeyId);
    this.save({ ...this.#state, aliases: { ...this.#state.aliases, [aliasName]: key.keyId } });
  }

  /** A key by id, key ARN, alias name or alias ARN, as every KMS operation takes it. */
  public resolve(keyIdentifier: string): KeyRecord {
    const aliasName = /^arn:aws[a-z-]*:kms:[^:]*:\d*:(alias\/.+)$/.exec(keyIdentifier)?.[1] ?? keyIdentifier;
    const keyId = aliasName.startsWith('alias/')
      ? this.#state.aliases[aliasName]
      : (/:key\/([^/]+)$/.exec(keyIdentifier)?.[1] ?? keyIdentifier);
    const record = this.#state.keys.find((key) => key.keyId === keyId);
    if (record === undefined) {
      const what = aliasName.startsWith('alias/')
        ? `Alias ${this.aliasArn(aliasName)}`
        : `Key '${keyIdentifier}'`;
      throw new AwsApiError('NotFoundException', `${what} does not exist`);
    }
    return record;
  }

  public aliasesOf(keyId: string): string[] {
    return Object.entries(this.#state.aliases)
      .filter(([, target]) => target === keyId)
      .map(([alias]) => alias);
  }

  /** The DER SubjectPublicKeyInfo, as GetPublicKey returns it. */
  public publicKeyDer(record: KeyRecord): Buffer {
    return createPublicKey(this.privateKey(record)).export({ format: 'der', type: 'spki' });
  }

  public publicKeyPem(record: KeyRecord): string {
    return createPublicKey(this.privateKey(record)).export({ format: 'pem', type: 'spki' }).toString();
  }

  /**
   * ECDSA over an already computed SHA-256 digest, DER-encoded, as KMS Sign returns. node:crypto always
   * hashes what it signs, so the prehashed signature is made with @noble/curves and the key's scalar.
   */
  public signDigest(record: KeyRecord, digest: Uint8Array): Buffer {
    return Buffer.from(p256.sign(digest, this.secretScalar(record), { prehash: false, format: 'der' }));
  }

  public verifyDigest(record: KeyRecord, digest: Uint8Array, signature: Uint8Array): boolean {
    const publicKey = p256.getPublicKey(this.secretScalar(record), false);
    try {
      // KMS signatures need not be low-S; verification must accept both halves.
      return p256.verify(signature, digest, publicKey, { prehash: false, format: 'der', lowS: false });
    } catch {
      return false;
    }
  }

  private secretScalar(record: KeyRecord): Buffer {
    return Buffer.from(this.privateKey(record).export({ format: 'jwk' }).d ?? '', 'base64url');
  }

  private privateKey(record: KeyRecord): KeyObject {
    let key = this.#privateKeys.get(record.keyId);
    if (key === undefined) {
      key = createPrivateKey(readFileSync(this.pemPath(record.keyId), 'utf8'));
      this.#privateKeys.set(record.keyId, key);
    }
    return key;
  }

  private aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.context.region}:${this.context.accountId}:${aliasName}`;
  }

  private pemPath(keyId: string): string {
    return join(this.#dir, `${keyId}.pem`);
  }

  private save(state: KmsState): void {
    writeState(this.#index, state);
    this.#state = state;
  }
}
