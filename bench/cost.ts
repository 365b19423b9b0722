/**
 * CPU per approved image and what Lambda would bill for it, from the local runtime's per-function usage
 * (process.threadCpuUsage and wall time around each handler, in its worker thread).
 */
import type { FunctionUsage } from '../local/lambda';
import { round } from './stats';

export interface CpuPerImage {
  /** Thread CPU of Tollgate's functions per approved image, summed over every function that ran. */
  readonly totalMs: number;
  /** The same by pipeline stage (on-push, on-scan, sign, notify…). */
  readonly byFunction: Readonly<Record<string, number>>;
  /** Wall time of the handlers per image, by stage: what the duration bill counts. */
  readonly wallMsByFunction: Readonly<Record<string, number>>;
  readonly invocationsPerImage: Readonly<Record<string, number>>;
  /**
   * Warm CPU: each function's CPU per warm invocation times its invocations per image, so an environment that
   * happened to start inside the window (its first invocation also loads the handler and its adapters) does not
   * move the figure. Cold starts are counted in `coldStarts`, and their cost is cold init's (bench/cold-init.ts).
   */
  readonly warmTotalMs: number;
  readonly warmByFunction: Readonly<Record<string, number>>;
  /** Environments that started inside the window, by function. */
  readonly coldStarts: Readonly<Record<string, number>>;
  readonly images: number;
}

/**
 * GB-seconds per 1,000 images = 1000 × Σ_f (memoryMb_f / 1024) × (ms_f per image / 1000), f over the functions
 * at their deployed MemorySize. `billed` takes ms_f as the wall time of the handler, each invocation rounded up
 * to the millisecond, as Lambda bills duration (not CPU); locally the waits on the stand-in, the registry and
 * dynalite are shorter than AWS's, so on AWS it is higher. `cpuLowerBound` takes ms_f as the CPU time: what
 * no deployment can go under at these memory sizes.
 */
export interface GbSeconds {
  readonly billed: number;
  readonly cpuLowerBound: number;
  readonly memoryMbByFunction: Readonly<Record<string, number>>;
  readonly formula: string;
}

const FORMULA =
  '1000 × Σ_f memoryMb_f/1024 × ms_f/1000, ms_f per image: billed = wall time (rounded up per invocation), cpuLowerBound = CPU time';

const perImage = (value: number, images: number, digits = 2): number => round(value / images, digits);

export const costPerImage = (
  usage: Readonly<Record<string, FunctionUsage>>,
  images: number,
): { readonly cpu: CpuPerImage; readonly gbSecondsPer1000Images: GbSeconds } => {
  const entries = Object.entries(usage).sort(([a], [b]) => a.localeCompare(b));
  const map = (pick: (one: FunctionUsage) => number, digits = 2): Record<string, number> =>
    Object.fromEntries(entries.map(([name, one]) => [name, perImage(pick(one), images, digits)]));
  const gbSeconds = (pick: (one: FunctionUsage) => number): number =>
    round(
      entries.reduce((sum, [, one]) => sum + (one.memoryMb / 1024) * (pick(one) / images / 1000), 0) * 1000,
      3,
    );
  const warm = (one: FunctionUsage): number => {
    const invocations = one.invocations - one.coldInvocations;
    // Every invocation was a cold start: there is no warm figure, and the cold one stands in for it.
    const perInvocation =
      invocations === 0 ? one.cpuMs / one.invocations : (one.cpuMs - one.coldCpuMs) / invocations;
    return perInvocation * one.invocations;
  };
  return {
    cpu: {
      totalMs: perImage(
        entries.reduce((sum, [, one]) => sum + one.cpuMs, 0),
        images,
      ),
      byFunction: map((one) => one.cpuMs),
      wallMsByFunction: map((one) => one.durationMs),
      invocationsPerImage: map((one) => one.invocations),
      warmTotalMs: perImage(
        entries.reduce((sum, [, one]) => sum + warm(one), 0),
        images,
      ),
      warmByFunction: map(warm),
      coldStarts: Object.fromEntries(entries.map(([name, one]) => [name, one.coldInvocations])),
      images,
    },
    gbSecondsPer1000Images: {
      billed: gbSeconds((one) => one.billedMs),
      cpuLowerBound: gbSeconds((one) => one.cpuMs),
      memoryMbByFunction: Object.fromEntries(entries.map(([name, one]) => [name, one.memoryMb])),
      formula: FORMULA,
    },
  };
};
