/**
 * The signature formats Tollgate writes, in the order it writes and reports them. The one list: the config's
 * enum, the signer's default, the event schema and the verifier all read it, so a format cannot be known to one
 * and missing from another.
 */
export const SIGNATURE_FORMATS = ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];
