import type { Digest } from '../../domain';
import { digestHex } from '../../domain';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** What cosign v3 signs for `cosign sign` with the bundle format. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const COSIGN_VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

export interface InTotoStatement<P = unknown> {
  readonly _type: typeof IN_TOTO_STATEMENT_V1;
  readonly subject: readonly [{ readonly name: string; readonly digest: { readonly sha256: string } }];
  readonly predicateType: string;
  readonly predicate: P;
}

/** An in-toto Statement v1 about one image, named `<registry>/<repository>` like cosign names it. */
export const inTotoStatement = <P>(
  name: string,
  digest: Digest,
  predicateType: string,
  predicate: P,
): InTotoStatement<P> => ({
  _type: IN_TOTO_STATEMENT_V1,
  subject: [{ name, digest: { sha256: digestHex(digest) } }],
  predicateType,
  predicate,
});

export const statementBytes = (statement: InTotoStatement): Buffer => Buffer.from(JSON.stringify(statement));
