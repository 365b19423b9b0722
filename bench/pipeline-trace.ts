/**
 * The critical path of the pipeline bench: one more image pushed with the functions' calls traced, the chain of
 * its round trips between push and verdict, and each kind's round trip timed from the main thread while idle.
 */
import { performance } from 'node:perf_hooks';
import type { BenchStack } from './bench-stack';
import {
  criticalPath,
  medianRoundTrip,
  ROUND_TRIP_KINDS,
  type CriticalPath,
  type RoundTripKind,
  type TimedCall,
} from './critical-path';

const ROUND_TRIP_SAMPLES = 30;

export const tracedCriticalPath = async (
  stack: BenchStack,
  slot: string,
  timeoutMs: number,
): Promise<CriticalPath> => {
  const calls: TimedCall[] = [];
  stack.traceCalls((call) => calls.push(call));
  let window: { readonly from: number; readonly to: number };
  try {
    // From the start of the push, not its end: the stack is idle, so every call traced from here on is this
    // image's, and on-push may start before this thread sees the manifest PUT answered (both share the loop).
    const from = performance.now();
    const pushed = await stack.push(slot);
    const seen = await stack.verdict(pushed.digest, timeoutMs);
    await stack.idle();
    // The workers stamp calls in epoch milliseconds; the bench's times are this thread's performance.now().
    window = { from: performance.timeOrigin + from, to: performance.timeOrigin + seen.at };
  } finally {
    stack.traceCalls(undefined);
  }
  // Only what lies between the push and the verdict can be on its chain (notify, after it, cannot).
  const onTheWay = calls.filter((call) => call.startMs >= window.from && call.endMs <= window.to);
  const cost = {} as Record<RoundTripKind, number>;
  for (const kind of ROUND_TRIP_KINDS)
    cost[kind] = await medianRoundTrip(stack.roundTrip[kind], ROUND_TRIP_SAMPLES);
  return criticalPath(onTheWay, cost);
};
