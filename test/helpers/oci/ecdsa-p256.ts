import { randomBytes, type KeyObject } from 'node:crypto';

// P-256 domain parameters (SEC 2). Node cannot sign a precomputed digest with ECDSA, and a KMS mock only ever
// sees the digest, so the test KMS signs with this small textbook implementation.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const G: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

interface Point {
  readonly x: bigint;
  readonly y: bigint;
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

const inverse = (a: bigint, m: bigint): bigint => {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
};

const add = (p: Point | undefined, q: Point | undefined): Point | undefined => {
  if (p === undefined) return q;
  if (q === undefined) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return undefined;
  const lambda =
    p.x === q.x && p.y === q.y
      ? mod((3n * p.x * p.x + A) * inverse(2n * p.y, P), P)
      : mod((q.y - p.y) * inverse(q.x - p.x, P), P);
  const x = mod(lambda * lambda - p.x - q.x, P);
  return { x, y: mod(lambda * (p.x - x) - p.y, P) };
};

const multiply = (k: bigint, point: Point): Point | undefined => {
  let result: Point | undefined;
  let addend: Point | undefined = point;
  for (let n = k; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
};

const toBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex') || '0'}`);

const derInteger = (value: bigint): Buffer => {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
};

/** An ASN.1 DER ECDSA signature over a SHA-256 `digest`, as KMS returns for `MessageType: DIGEST`. */
export const signDigestP256 = (privateKey: KeyObject, digest: Buffer): Buffer => {
  const jwk = privateKey.export({ format: 'jwk' });
  const d = toBigInt(Buffer.from(jwk.d ?? '', 'base64url'));
  const z = toBigInt(digest);
  for (;;) {
    const k = mod(toBigInt(randomBytes(40)), N - 1n) + 1n;
    const r = mod(multiply(k, G)?.x ?? 0n, N);
    const s = mod(inverse(k, N) * (z + r * d), N);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
};
