import { readFileSync } from 'node:fs';
import { round } from './stats';

/**
 * CPU of the whole local stack, not only of Tollgate's functions: this process (every thread of it: the
 * stand-in, the registry front, dynalite, the functions' workers, the bench's own pusher) and the registry's
 * process. On a machine the stack has to itself, what it spends per image bounds the throughput: at most
 * cores × 1000 / (ms of CPU per image) images a second, however the work is scheduled.
 */
export interface StackCpuSample {
  /** process.cpuUsage() of this process, user + system, µs. */
  readonly processUs: number;
  /** utime + stime of the registry's process from /proc, µs; `undefined` where there is no /proc or no pid. */
  readonly registryUs: number | undefined;
}

export interface StackCpuPerImage {
  /** This process, every thread. */
  readonly processMs: number;
  /** The functions' share of it (bench/cost.ts, cold starts included). */
  readonly functionsMs: number;
  /** The rest of it: the stand-in, the front, dynalite, the pusher. */
  readonly standInFrontDynamoMs: number;
  readonly registryMs: number | undefined;
  readonly totalMs: number;
  /** cores × 1000 / totalMs. */
  readonly imagesPerSecondBound: number;
  readonly cores: number;
}

/** Linux's USER_HZ: /proc counts CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** utime + stime (fields 14 and 15) of a process, µs. */
export const procCpuUs = (stat: string): number => {
  // The command name (field 2) is in parentheses and may hold spaces: count from after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
};

export const sampleStackCpu = (registryPid: number | undefined): StackCpuSample => {
  const usage = process.cpuUsage();
  let registryUs: number | undefined;
  if (registryPid !== undefined) {
    try {
      registryUs = procCpuUs(readFileSync(`/proc/${registryPid}/stat`, 'utf8'));
    } catch {
      registryUs = undefined;
    }
  }
  return { processUs: usage.user + usage.system, registryUs };
};

export const stackCpuPerImage = (
  before: StackCpuSample,
  after: StackCpuSample,
  images: number,
  functionsMs: number,
  cores: number,
): StackCpuPerImage => {
  const processMs = (after.processUs - before.processUs) / 1000 / images;
  const registryMs =
    before.registryUs === undefined || after.registryUs === undefined
      ? undefined
      : (after.registryUs - before.registryUs) / 1000 / images;
  const totalMs = processMs + (registryMs ?? 0);
  return {
    processMs: round(processMs, 1),
    functionsMs: round(functionsMs, 1),
    standInFrontDynamoMs: round(processMs - functionsMs, 1),
    registryMs: registryMs === undefined ? undefined : round(registryMs, 1),
    totalMs: round(totalMs, 1),
    imagesPerSecondBound: round((cores * 1000) / totalMs, 2),
    cores,
  };
};
