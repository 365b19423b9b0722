/**
 * `Promise.all(items.map(work))` with at most `concurrency` calls of `work` running at once, results in input order.
 *
 * Registry listings are written by whoever may push: 2,000 referrers must not become 2,000 simultaneous requests
 * (and 2,000 bodies in memory). After the first failure no further item is started, so a failing registry is not
 * asked for the rest of a long list in the background; the calls already running are awaited before the first
 * error is rethrown, so nothing is left reading after this returns.
 */
export const mapLimited = async <T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, not ${concurrency}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
};
