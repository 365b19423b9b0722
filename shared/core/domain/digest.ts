import { InvalidDigestError } from './errors';

declare const digestBrand: unique symbol;

/** A content digest, `sha256:<64 lowercase hex>`. Branded so an unchecked string cannot stand in for one. */
export type Digest = string & { readonly [digestBrand]: true };

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export const isDigest = (value: unknown): value is Digest =>
  typeof value === 'string' && DIGEST_PATTERN.test(value);

/** @throws InvalidDigestError naming `field` when `value` is not a sha256 digest. */
export const parseDigest = (value: unknown, field = 'digest'): Digest => {
  if (!isDigest(value)) throw new InvalidDigestError(field, value);
  return value;
};

/** The hex part, as cosign uses it in `sha256-<hex>.sig` tags. */
export const digestHex = (digest: Digest): string => digest.slice('sha256:'.length);

export const DIGEST_REGEX = DIGEST_PATTERN;
