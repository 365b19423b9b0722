import type { Digest } from '../../domain/digest';
import { ImageMismatchError } from './errors';

/**
 * Refuses a report that is not about `expected`, the digest of `--image REF@DIGEST`: one it names none of the
 * digests of, or one that names no digest at all (it could be about any image). `named` are the registry digests
 * the report ties itself to; `hint` says how to get a report that names one.
 * @throws ImageMismatchError
 */
export const assertReportImage = (
  named: readonly Digest[],
  expected: Digest,
  hint: string,
  source = 'the findings file',
): void => {
  if (named.includes(expected)) return;
  if (named.length === 0) {
    throw new ImageMismatchError(
      'NO_DIGEST',
      `${source} names no image digest, so it cannot be shown to be about ${expected}: ${hint}`,
    );
  }
  throw new ImageMismatchError(
    'DIGEST_MISMATCH',
    `${source} is about ${named.join(', ')}, not ${expected}: a report on another image cannot judge this one`,
  );
};
