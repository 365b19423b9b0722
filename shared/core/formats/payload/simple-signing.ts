import type { Digest } from '../../domain';

export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export type SimpleSigningOptional = Readonly<Record<string, string>> | null;

/**
 * The cosign "simple signing" payload, byte for byte as cosign writes it: key order as in its Go struct, no
 * whitespace, `optional` always present. `identity` is `<registry>/<repository>` with no tag: a tag can move,
 * and containers/image matches the repository only.
 */
export const simpleSigningPayload = (
  identity: string,
  digest: Digest,
  optional: SimpleSigningOptional = null,
): Buffer =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': identity },
        image: { 'docker-manifest-digest': digest },
        type: SIMPLE_SIGNING_TYPE,
      },
      optional,
    }),
  );
