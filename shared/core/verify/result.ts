import type { SignatureRef } from '../domain';

export type SignatureFormat = SignatureRef['format'];

export type VerificationReason =
  | 'NOT_FOUND'
  | 'WRONG_MEDIA_TYPE'
  | 'MISSING_SIGNATURE'
  | 'SIGNATURE_INVALID'
  | 'MALFORMED_PAYLOAD'
  | 'DIGEST_MISMATCH'
  | 'IDENTITY_MISMATCH'
  | 'MALFORMED_BUNDLE'
  | 'STATEMENT_TYPE'
  | 'SUBJECT_MISMATCH'
  | 'PREDICATE_TYPE'
  | 'UNREADABLE';

interface ResultBase {
  readonly format: SignatureFormat;
  readonly message: string;
  /** Where the signature was read from: the `.sig` tag and layer, or the referrer manifest digest. */
  readonly reference?: string;
}

export type VerificationResult =
  | (ResultBase & { readonly valid: true })
  | (ResultBase & { readonly valid: false; readonly reason: VerificationReason });

export const accepted = (
  format: SignatureFormat,
  message: string,
  reference?: string,
): VerificationResult => ({
  format,
  valid: true,
  message,
  ...(reference === undefined ? {} : { reference }),
});

export const rejected = (
  format: SignatureFormat,
  reason: VerificationReason,
  message: string,
  reference?: string,
): VerificationResult => ({
  format,
  valid: false,
  reason,
  message,
  ...(reference === undefined ? {} : { reference }),
});
