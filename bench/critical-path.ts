/**
 * The critical path of push-to-verdict: the dependent chain of round trips from the push to the verdict, each
 * at its measured cost. The chain comes from the trace of one image (every HTTP call the functions made, timed
 * by the caller); the costs from round trips timed while the stack is idle.
 */
import { performance } from 'node:perf_hooks';
import { median, round } from './stats';

export const ROUND_TRIP_KINDS = ['registry', 'standIn', 'dynamodb'] as const;
export type RoundTripKind = (typeof ROUND_TRIP_KINDS)[number];

/** One call on the timeline, in epoch milliseconds. */
export interface TimedCall {
  readonly kind: RoundTripKind;
  readonly startMs: number;
  readonly endMs: number;
  /** `METHOD path`, for the chain's listing. */
  readonly label: string;
}

export interface CriticalPath {
  readonly registryRttMs: number;
  readonly standInRttMs: number;
  readonly dynamoRttMs: number;
  /** Round trips of each kind on the chain. */
  readonly depth: Readonly<Record<RoundTripKind, number>>;
  /** Σ depth × round trip. */
  readonly ms: number;
  /** Calls the functions made for the traced image, between its push and its verdict. */
  readonly tracedCalls: number;
  /** The chain, in order, as `kind METHOD path`. */
  readonly chain: readonly string[];
}

/** Median of `samples` timed calls after `warmUp` untimed ones (connections opened, code compiled). */
export const medianRoundTrip = async (
  call: () => Promise<unknown>,
  samples = 30,
  warmUp = 3,
): Promise<number> => {
  for (let i = 0; i < warmUp; i += 1) await call();
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return round(median(times), 2);
};

/**
 * The chain of calls that do not overlap (one ends before the next starts: they ran one after the other) with
 * the largest total cost, each call weighted by its kind's measured round trip. Calls that overlap ran in
 * parallel, so only one of them can be on the chain. Weighted interval scheduling: calls sorted by end, each
 * chain's best is its own cost plus the best chain ending before it starts. O(n²), for the few dozen calls of
 * one image.
 */
export const longestChain = (
  calls: readonly TimedCall[],
  cost: Readonly<Record<RoundTripKind, number>>,
): { readonly chain: readonly TimedCall[]; readonly ms: number } => {
  const sorted = [...calls].sort((a, b) => a.endMs - b.endMs);
  const best: number[] = [];
  const previous: (number | undefined)[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    let before: number | undefined;
    for (let j = 0; j < i; j += 1) {
      if (sorted[j]!.endMs <= sorted[i]!.startMs && (before === undefined || best[j]! > best[before]!))
        before = j;
    }
    best.push(cost[sorted[i]!.kind] + (before === undefined ? 0 : best[before]!));
    previous.push(before);
  }
  let at: number | undefined;
  for (let i = 0; i < best.length; i += 1) if (at === undefined || best[i]! > best[at]!) at = i;
  const chain: TimedCall[] = [];
  for (let i = at; i !== undefined; i = previous[i]) chain.unshift(sorted[i]!);
  return { chain, ms: at === undefined ? 0 : best[at]! };
};

export const criticalPath = (
  calls: readonly TimedCall[],
  cost: Readonly<Record<RoundTripKind, number>>,
): CriticalPath => {
  const { chain, ms } = longestChain(calls, cost);
  const depth = Object.fromEntries(
    ROUND_TRIP_KINDS.map((kind) => [kind, chain.filter((call) => call.kind === kind).length]),
  ) as Record<RoundTripKind, number>;
  return {
    registryRttMs: cost.registry,
    standInRttMs: cost.standIn,
    dynamoRttMs: cost.dynamodb,
    depth,
    ms: round(ms, 2),
    tracedCalls: calls.length,
    chain: chain.map((call) => `${call.kind} ${call.label}`),
  };
};
