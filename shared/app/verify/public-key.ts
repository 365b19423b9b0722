/** A public key as verifiers need it: SPKI PEM, and the hint a bundle names it by (a KMS key ARN). */
export interface PublicKeyMaterial {
  readonly pem: string;
  readonly hint?: string;
}

/** Where the trusted key comes from: a PEM file, a KMS key, a test key. */
export interface PublicKeySource {
  publicKey(): Promise<PublicKeyMaterial>;
}

export const pemPublicKey = (pem: string, hint?: string): PublicKeySource => ({
  publicKey: () => Promise.resolve(hint === undefined ? { pem } : { pem, hint }),
});
