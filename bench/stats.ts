/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (value: number, digits = 1): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** Peak resident set of this process so far, in MB (Linux reports maxRSS in KiB). */
export const peakRssMb = (): number => round(process.resourceUsage().maxRSS / 1024);
