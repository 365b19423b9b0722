/**
 * A burst of pushes: every image pushed as fast as the registry takes them (`pushConcurrency` uploads in
 * flight), then the time from the first push to the last verdict, and the peak resident set of this process,
 * which runs the stand-in, dynalite and every function (the registry is a process of its own, not counted).
 * Run in a fresh child process (bench/child.ts) so that the peak is the burst's own.
 */
import { performance } from 'node:perf_hooks';
import { startBenchStack } from './bench-stack';
import { peakRssMb, round } from './stats';

export interface BurstOptions {
  readonly images: number;
  readonly scanDelayMs: number;
  readonly repositories: number;
  readonly pushConcurrency: number;
  readonly log: (line: string) => void;
}

export interface BurstResult {
  readonly images: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  /** Images without an APPROVED, signed verdict by the end. */
  readonly failures: number;
  readonly pushSeconds: number;
}

const TIMEOUT_MS = 60 * 60 * 1000;

export const benchBurst = async (options: BurstOptions): Promise<BurstResult> => {
  const stack = await startBenchStack({ scanDelayMs: options.scanDelayMs });
  try {
    const started = performance.now();
    const digests: string[] = [];
    let next = 0;
    const pusher = async (): Promise<void> => {
      while (next < options.images) {
        const index = next;
        next += 1;
        digests.push((await stack.push(`${index % options.repositories}`)).digest);
      }
    };
    await Promise.all(Array.from({ length: options.pushConcurrency }, pusher));
    const pushSeconds = (performance.now() - started) / 1000;
    options.log(`burst: ${options.images} pushed in ${pushSeconds.toFixed(1)} s; waiting for verdicts`);
    let done = 0;
    let failures = 0;
    let last = started;
    await Promise.all(
      digests.map(async (digest) => {
        try {
          const seen = await stack.verdict(digest, TIMEOUT_MS);
          if (seen.verdict !== 'APPROVED' || seen.signatures === 0) failures += 1;
          last = Math.max(last, seen.at);
        } catch {
          failures += 1;
        }
        done += 1;
        if (done % 100 === 0) options.log(`burst: ${done}/${options.images} verdicts`);
      }),
    );
    return {
      images: options.images,
      seconds: round((last - started) / 1000, 2),
      peakRssMb: peakRssMb(),
      failures,
      pushSeconds: round(pushSeconds, 2),
    };
  } finally {
    await stack.stop();
  }
};
