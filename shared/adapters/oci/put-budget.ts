import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryUnavailableError } from '../../core/oci/errors';
import type { RegistryClient } from '../../app/ports/registry-client';

/**
 * A token bucket: `take()` resolves once a token is free, at `perSecond` on average with bursts of `burst`. One
 * per execution environment; the signing budget is shared by dividing it among the environments that may run at
 * once (the sign function's reserved concurrency), so no call is spent on coordinating them.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  public constructor(
    private readonly perSecond: number,
    private readonly burst = 1,
    private readonly clock: () => number = () => performance.now(),
    private readonly wait: (ms: number) => Promise<unknown> = (ms) => sleep(ms),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`a token bucket needs a positive rate, got ${perSecond}`);
    this.#tokens = burst;
    this.#last = clock();
  }

  public async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.wait(((1 - this.#tokens) / this.perSecond) * 1000);
    }
  }
}

export interface PutBudgetOptions {
  readonly bucket: TokenBucket;
  /** Tries of a PUT ECR throttles (429) before the error goes to Lambda's own retries. @default 5 */
  readonly attempts?: number;
  /** @default exponential from 200 ms with full jitter */
  readonly backoff?: (attempt: number) => Promise<unknown>;
}

const REFERRERS_TAG = /^sha256-[0-9a-f]{64}$/;

const defaultBackoff = (attempt: number): Promise<unknown> => sleep(Math.random() * 200 * 2 ** attempt);

const throttled = (error: unknown): boolean =>
  error instanceof RegistryUnavailableError && error.status === 429;

/**
 * The registry with every manifest PUT paid for from the signing budget, and a PUT that ECR throttles anyway tried
 * again after a pause, each try paid for too. What is still throttled after that is thrown (retryable): Lambda
 * retries the request, and the sweep signs an approval it finds without its signatures, so none is lost.
 */
export const withPutBudget = (inner: RegistryClient, options: PutBudgetOptions): RegistryClient => {
  const attempts = options.attempts ?? 5;
  const backoff = options.backoff ?? defaultBackoff;
  return {
    host: inner.host,
    getManifest: (...args) => inner.getManifest(...args),
    findManifest: (...args) => inner.findManifest(...args),
    headManifest: (...args) => inner.headManifest(...args),
    deleteManifest: (...args) => inner.deleteManifest(...args),
    getBlob: (...args) => inner.getBlob(...args),
    hasBlob: (...args) => inner.hasBlob(...args),
    putBlob: (...args) => inner.putBlob(...args),
    listTags: (...args) => inner.listTags(...args),
    referrers: (...args) => inner.referrers(...args),
    requiresAuth: () => inner.requiresAuth(),
    putManifest: async (...args) => {
      const [, reference] = args;
      for (let attempt = 0; ; attempt++) {
        // The referrers tag-schema index is written only where the registry has no referrers API, never on ECR, whose
        // quota the budget keeps; and it is a read-modify-write, so a wait between its read and its write would only
        // widen the window in which concurrent signers overwrite each other.
        if (!REFERRERS_TAG.test(reference)) await options.bucket.take();
        try {
          return await inner.putManifest(...args);
        } catch (error) {
          if (!throttled(error) || attempt + 1 >= attempts) throw error;
          await backoff(attempt);
        }
      }
    },
  };
};
