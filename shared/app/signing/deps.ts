import type { Signer } from '@sigstore/sign';
import { isRetryable, type ImageRef } from '../../core/domain';
import type { RegistryClient } from '../ports/registry-client';
import type { PublicKeySource } from '../verify/public-key';
import type { ReferrerAttacher } from './referrer-attacher';

/** The ports signing needs. Nothing here reaches AWS or the network except through them. */
export interface SigningDeps {
  readonly signer: Signer;
  /** The signer's public key, to recognise our own signatures and never add one twice. */
  readonly publicKey: PublicKeySource;
  readonly registry: RegistryClient;
  readonly referrers: ReferrerAttacher;
  /**
   * Called before each digest is signed; throw to stop. The handler re-reads the verdict record here, so a
   * verdict revoked while we were signing the children of an index stops the rest.
   */
  readonly beforeSign?: (image: ImageRef) => Promise<void>;
  /**
   * Told of a format the registry refused for an index while its platform images were signed anyway (ECR answers
   * 405 to a referrer whose subject is an index): the caller puts it in the verdict, so it is never silent.
   */
  readonly onIndexRefusal?: (note: string) => void;
  /**
   * Whether the vulnerability attestation is also written into the legacy `.att` tag
   * (`signatures.legacyAttestationTag`). @default true
   */
  readonly legacyAttestationTag?: boolean;
  /** Pause between conflicting attempts. @default a random 20-120 ms */
  readonly backoff?: (attempt: number) => Promise<void>;
}

export const MAX_ATTEMPTS = 8;

export const defaultBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 100 * Math.min(attempt + 1, 4)));

/**
 * Runs `attempt` until it returns a value, at most MAX_ATTEMPTS times with a pause between. `undefined` means
 * "someone changed things under us, read again". A registry that fails transiently while several writers touch
 * one tag (Distribution answers 500 mid-write) counts as such a conflict too, until the last attempt.
 */
export const untilSettled = async <T>(
  deps: Pick<SigningDeps, 'backoff'>,
  attempt: (round: number) => Promise<T | undefined>,
): Promise<T | undefined> => {
  const backoff = deps.backoff ?? defaultBackoff;
  for (let round = 0; round < MAX_ATTEMPTS; round += 1) {
    if (round > 0) await backoff(round);
    try {
      const result = await attempt(round);
      if (result !== undefined) return result;
    } catch (error) {
      if (!isRetryable(error) || round === MAX_ATTEMPTS - 1) throw error;
    }
  }
  return undefined;
};
