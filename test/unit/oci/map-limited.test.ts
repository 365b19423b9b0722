import { mapLimited } from '../../../shared/adapters/oci';

/** A task per item that waits until the test releases it, so the test sees exactly what runs at once. */
const gated = () => {
  const started: number[] = [];
  const release = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let running = 0;
  let peak = 0;
  const work = (item: number): Promise<number> => {
    started.push(item);
    running += 1;
    peak = Math.max(peak, running);
    return new Promise<number>((resolve, reject) => {
      release.set(item, {
        resolve: () => {
          running -= 1;
          resolve(item * 10);
        },
        reject: (error) => {
          running -= 1;
          reject(error);
        },
      });
    });
  };
  return { started, release, work, peak: () => peak };
};

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapLimited', () => {
  it('runs at most `concurrency` tasks at once and keeps the input order', async () => {
    const { started, release, work, peak } = gated();
    const done = mapLimited([0, 1, 2, 3, 4, 5, 6], 3, work);
    await tick();
    expect(started).toEqual([0, 1, 2]);
    // Finishing one out of order starts exactly one more.
    release.get(1)!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (let round = 0; round < 7; round += 1) {
      for (const [item, handle] of release) {
        release.delete(item);
        handle.resolve();
      }
      await tick();
    }
    await expect(done).resolves.toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak()).toBe(3);
  });

  it('starts nothing more after a failure, waits for what runs, and rethrows the first error', async () => {
    const { started, release, work } = gated();
    const items = Array.from({ length: 100 }, (_, n) => n);
    let settled = false;
    const done = mapLimited(items, 2, work).finally(() => (settled = true));
    await tick();
    release.get(0)!.reject(new Error('registry refused'));
    await tick();
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(false); // item 1 still runs: nothing is left reading behind the caller's back
    release.get(1)!.resolve();
    await expect(done).rejects.toThrow('registry refused');
    expect(started).toEqual([0, 1]);
  });

  it('handles an empty list and refuses a concurrency below 1', async () => {
    await expect(mapLimited([], 4, () => Promise.resolve(1))).resolves.toEqual([]);
    await expect(mapLimited([1], 0, () => Promise.resolve(1))).rejects.toThrow(RangeError);
  });
});
