import { RegistryRequestError, RegistryUnavailableError } from '../../../shared/core/oci/errors';
import { TokenBucket, withPutBudget } from '../../../shared/adapters/oci';
import type { RegistryClient } from '../../../shared/app/ports/registry-client';

/** A clock the bucket's waits move forward, so rates are checked without sleeping. */
const fakeTime = () => {
  let now = 0;
  const waits: number[] = [];
  return {
    clock: () => now,
    wait: (ms: number) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
    now: () => now,
    waits,
  };
};

describe('TokenBucket', () => {
  it('lets a burst through at once, then holds the average rate', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(2, 4, time.clock, time.wait);
    for (let i = 0; i < 4; i++) await bucket.take();
    expect(time.now()).toBe(0);
    for (let i = 0; i < 10; i++) await bucket.take();
    // 10 more tokens at 2 per second: 5 seconds.
    expect(time.now()).toBeCloseTo(5000, 5);
  });

  it('refuses a rate that would never let anything through', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});

describe('withPutBudget', () => {
  const registry = (putManifest: RegistryClient['putManifest']): RegistryClient =>
    ({ host: 'registry.example', putManifest }) as unknown as RegistryClient;
  const upload = { mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from('{}') };
  const ok = { digest: 'sha256:x', location: '' } as never;

  it('pays a token for every PUT, retries included, and tries again what ECR throttles', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(1, 1, time.clock, time.wait);
    let calls = 0;
    const inner = registry(() => {
      calls++;
      return calls <= 2 ? Promise.reject(new RegistryUnavailableError('429', 429)) : Promise.resolve(ok);
    });
    const budgeted = withPutBudget(inner, { bucket, backoff: () => Promise.resolve() });
    await expect(budgeted.putManifest('repo', 'tag', upload)).resolves.toBe(ok);
    expect(calls).toBe(3);
    // Three PUTs at one per second: the second and third waited for their tokens.
    expect(time.now()).toBeCloseTo(2000, 5);
  });

  it('does not make the referrers tag-schema index wait (never written on ECR; a read-modify-write)', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(1, 1, time.clock, time.wait);
    const budgeted = withPutBudget(
      registry(() => Promise.resolve(ok)),
      { bucket },
    );
    for (let i = 0; i < 3; i++) await budgeted.putManifest('repo', `sha256-${'a'.repeat(64)}`, upload);
    expect(time.now()).toBe(0);
    await budgeted.putManifest('repo', `sha256-${'a'.repeat(64)}.sig`, upload);
    await budgeted.putManifest('repo', `sha256-${'a'.repeat(64)}.sig`, upload);
    expect(time.now()).toBeCloseTo(1000, 5);
  });

  it('throws what is not throttling at once, and throttling after its attempts (Lambda retries then)', async () => {
    const bucket = new TokenBucket(1000, 10);
    let calls = 0;
    const refused = withPutBudget(
      registry(() => {
        calls++;
        return Promise.reject(new RegistryRequestError('400', 400, ['MANIFEST_INVALID']));
      }),
      { bucket },
    );
    await expect(refused.putManifest('repo', 'tag', upload)).rejects.toBeInstanceOf(RegistryRequestError);
    expect(calls).toBe(1);

    calls = 0;
    const throttled = withPutBudget(
      registry(() => {
        calls++;
        return Promise.reject(new RegistryUnavailableError('429', 429));
      }),
      { bucket, attempts: 3, backoff: () => Promise.resolve() },
    );
    await expect(throttled.putManifest('repo', 'tag', upload)).rejects.toMatchObject({ retryable: true });
    expect(calls).toBe(3);
  });
});
