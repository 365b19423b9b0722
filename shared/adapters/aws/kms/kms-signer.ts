import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Signature, Signer } from '@sigstore/sign';
import { TerminalError } from '../../../core/domain';
import type { PublicKeyMaterial, PublicKeySource } from '../../../app/verify/public-key';
import { kmsError } from './errors';

const KEY_SPEC = 'ECC_NIST_P256';
const ALGORITHM = 'ECDSA_SHA_256';

/**
 * A sigstore `Signer` backed by an asymmetric KMS key (ECC_NIST_P256). Every format Tollgate writes is signed
 * through it, so cosign, Kyverno, Connaisseur and policy-controller all verify against the same public key.
 */
export class KmsSigner implements Signer, PublicKeySource {
  #publicKey: Promise<PublicKeyMaterial> | undefined;

  /** @param keyId a key id, key ARN, alias name (`alias/tollgate-signing`) or alias ARN */
  public constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  public async sign(data: Buffer): Promise<Signature> {
    const key = await this.publicKey();
    // Always hash here and send DIGEST: RAW messages are capped at 4096 bytes and a DSSE payload can exceed that.
    const digest = createHash('sha256').update(data).digest();
    // Sign with the ARN GetPublicKey resolved, not the alias: an alias moved in between would sign with a key
    // other than the one the bundle names.
    const keyArn = key.hint ?? this.keyId;
    let signature: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new SignCommand({
          KeyId: keyArn,
          Message: digest,
          MessageType: 'DIGEST',
          SigningAlgorithm: ALGORITHM,
        }),
      );
      signature = output.Signature;
    } catch (error) {
      throw kmsError(error, 'Sign', keyArn);
    }
    if (signature === undefined || signature.length === 0) {
      throw new TerminalError('SIGNING_FAILED', `KMS Sign with ${keyArn} returned no signature`);
    }
    return {
      signature: Buffer.from(signature),
      key: { $case: 'publicKey', publicKey: key.pem, hint: keyArn },
    };
  }

  /** The key's SPKI PEM and ARN. Fetched once; a failed fetch is not cached, so the next call tries again. */
  public publicKey(): Promise<PublicKeyMaterial> {
    this.#publicKey ??= this.fetchPublicKey().catch((error: unknown) => {
      this.#publicKey = undefined;
      throw error;
    });
    return this.#publicKey;
  }

  private async fetchPublicKey(): Promise<PublicKeyMaterial> {
    let output;
    try {
      output = await this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    } catch (error) {
      throw kmsError(error, 'GetPublicKey', this.keyId);
    }
    if (output.KeySpec !== KEY_SPEC || !(output.SigningAlgorithms ?? []).includes(ALGORITHM)) {
      throw new TerminalError(
        'SIGNING_FAILED',
        `KMS key ${this.keyId} is ${output.KeySpec ?? 'of unknown spec'}; Tollgate needs ${KEY_SPEC} with ${ALGORITHM}`,
      );
    }
    if (output.PublicKey === undefined || output.KeyId === undefined) {
      throw new TerminalError('SIGNING_FAILED', `KMS GetPublicKey for ${this.keyId} returned no key`);
    }
    return { pem: toPem(output.PublicKey), hint: output.KeyId };
  }
}

const toPem = (spkiDer: Uint8Array): string => {
  const lines =
    Buffer.from(spkiDer)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
};
