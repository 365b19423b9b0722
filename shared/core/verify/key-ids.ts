import { createHash, type KeyObject } from 'node:crypto';

/**
 * The two names verifiers give a public key, computed from the key alone so they never disagree with it.
 *
 * - `sha256KeyId`: go-securesystemslib's `SHA256KeyID` (dsse/verify.go), which its DSSE verifier derives for a
 *   verifier that names no key ID of its own, as sigstore-go's and cosign's verifier adapters do. It is
 *   `ssh.FingerprintSHA256` of the key: `SHA256:` and the unpadded base64 SHA-256 of the key in SSH wire format.
 *   A DSSE signature whose non-empty `keyid` differs from it is skipped before its signature is even checked.
 * - `cosignKeyHint`: what cosign v3 and sigstore-go write as `verificationMaterial.publicKey.hint` for a key:
 *   base64 of the SHA-256 of the key's PKIX (SPKI) DER.
 */
export const sha256KeyId = (key: KeyObject): string | undefined => {
  const wire = sshWireFormat(key);
  if (wire === undefined) return undefined;
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
};

export const cosignKeyHint = (key: KeyObject): string =>
  createHash('sha256')
    .update(key.export({ format: 'der', type: 'spki' }))
    .digest('base64');

const CURVES: Readonly<Record<string, string>> = {
  'P-256': 'nistp256',
  'P-384': 'nistp384',
  'P-521': 'nistp521',
};

/**
 * RFC 4253 / RFC 5656 / RFC 8709 public key blobs, as golang.org/x/crypto/ssh marshals them. `undefined` for a key
 * type ssh.NewPublicKey refuses: go-securesystemslib then derives no key ID and checks no `keyid` at all.
 */
const sshWireFormat = (key: KeyObject): Buffer | undefined => {
  const jwk = key.export({ format: 'jwk' });
  const bytes = (value: string | undefined): Buffer => Buffer.from(value ?? '', 'base64url');
  if (jwk.kty === 'EC' && jwk.crv !== undefined && CURVES[jwk.crv] !== undefined) {
    const curve = CURVES[jwk.crv]!;
    const point = Buffer.concat([Buffer.from([4]), bytes(jwk.x), bytes(jwk.y)]);
    return Buffer.concat([sshString(`ecdsa-sha2-${curve}`), sshString(curve), sshString(point)]);
  }
  if (jwk.kty === 'RSA') {
    return Buffer.concat([sshString('ssh-rsa'), sshMpint(bytes(jwk.e)), sshMpint(bytes(jwk.n))]);
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return Buffer.concat([sshString('ssh-ed25519'), sshString(bytes(jwk.x))]);
  }
  return undefined;
};

const sshString = (value: string | Buffer): Buffer => {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
};

// A positive mpint: big-endian, no leading zero bytes, and one 0x00 in front when the top bit is set.
const sshMpint = (magnitude: Buffer): Buffer => {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = magnitude.subarray(start);
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};
