/** How many images a reliability run pushes: RELIABILITY_IMAGES, 100 in CI, 500 for the full run. */
export const reliabilityImages = (): number => {
  const raw = process.env.RELIABILITY_IMAGES;
  if (raw === undefined || raw === '') return 100;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`RELIABILITY_IMAGES must be a positive integer, got ${raw}`);
  return count;
};

/** The seed of the random choices (faults, orders), printed so a failing run can be repeated. */
export const reliabilitySeed = (): number => {
  const raw = process.env.RELIABILITY_SEED;
  return raw === undefined || raw === '' ? 20261129 : Number(raw);
};

/** mulberry32: small, seedable, good enough to draw faults and shuffles. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Printed past jest's console capture, so CI logs show the counts as plain lines. */
export const report = (title: string, value: unknown): void => {
  process.stdout.write(`\n[reliability] ${title}: ${JSON.stringify(value, null, 2)}\n`);
};
