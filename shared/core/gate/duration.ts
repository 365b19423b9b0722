import { InvalidDurationError } from './errors';

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNIT_MS;
const DURATION = /^(?:\d+[wdhms])+$/;
const PART = /(\d+)([wdhms])/g;

/**
 * Parses `7d`, `36h`, `1d12h`, `90m`, `1w` into milliseconds. Days are 24 hours: a scan's age is measured in
 * elapsed time, not calendar days.
 * @throws InvalidDurationError
 */
export const parseDuration = (text: string): number => {
  const value = text.trim();
  if (!DURATION.test(value)) throw new InvalidDurationError(text);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as Unit];
  if (total <= 0 || !Number.isSafeInteger(total)) throw new InvalidDurationError(text);
  return total;
};

/** The shortest exact form in the largest whole unit: 604800000 → `7d`, 129600000 → `36h`. */
export const formatDuration = (ms: number): string => {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0 && ms >= UNIT_MS[unit]) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.ceil(ms / UNIT_MS.s)}s`;
};

/** A Go `time.ParseDuration` string (Kyverno's `time_since` and duration comparisons), which has no days. */
export const goDuration = (ms: number): string => {
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  if (ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m}m`;
  return `${Math.ceil(ms / UNIT_MS.s)}s`;
};

/** The default freshness demanded of a vulnerability attestation. */
export const DEFAULT_MAX_AGE_MS = 7 * UNIT_MS.d;
