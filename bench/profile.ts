/**
 * Where the stack's CPU goes: the top self-time items of the `.cpuprofile` files `node --cpu-prof` writes, one
 * per thread (the bench process, the registry front's thread, each function's worker), aggregated by function
 * and file. Samples are taken at the same interval in every thread, so they add up across threads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { round } from './stats';

export interface ProfileItem {
  readonly functionName: string;
  /** `path:line`, relative to the project root when under it. */
  readonly location: string;
  /** Share of the busy samples (every sample but `(idle)`), summed over the threads. */
  readonly percent: number;
  readonly samples: number;
}

export interface ProfileSummary {
  readonly top: readonly ProfileItem[];
  readonly busySamples: number;
  readonly threads: number;
  /** The window the samples were counted in, process.hrtime µs; 0 to Infinity: all of them. */
  readonly fromUs: number;
  readonly toUs: number;
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly hitCount?: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** Microseconds of CLOCK_MONOTONIC, the clock of process.hrtime. */
  readonly startTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** CLOCK_MONOTONIC µs, the clock of a profile's `startTime` and of process.hrtime. */
export interface SampleWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * Samples per node taken within `window`: from `samples` and their `timeDeltas` when present, else each
 * node's `hitCount` (then all of them).
 */
const hitsOf = (profile: CpuProfile, window: SampleWindow): Map<number, number> => {
  const hits = new Map<number, number>();
  if (profile.samples !== undefined) {
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      at += profile.timeDeltas?.[i] ?? 0;
      if (at >= window.fromUs && at <= window.toUs) hits.set(id, (hits.get(id) ?? 0) + 1);
    });
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  return hits;
};

export const topSelfTime = (
  dir: string,
  projectRoot: string,
  window: SampleWindow = { fromUs: 0, toUs: Number.POSITIVE_INFINITY },
  count = 5,
): ProfileSummary => {
  const root = pathToFileURL(projectRoot).href;
  const bySite = new Map<string, { functionName: string; location: string; samples: number }>();
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const hits = hitsOf(profile, window);
    for (const node of profile.nodes) {
      const samples = hits.get(node.id) ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      // A worker waiting for its next invocation is idle, not slow: left out of the shares.
      if (samples === 0 || functionName === '(idle)') continue;
      busy += samples;
      const name = functionName === '' ? '(anonymous)' : functionName;
      const path = url.startsWith(root) ? url.slice(root.length + 1) : url;
      const location = path === '' ? '' : `${path}:${lineNumber + 1}`;
      const key = `${name} ${location}`;
      const site = bySite.get(key) ?? { functionName: name, location, samples: 0 };
      site.samples += samples;
      bySite.set(key, site);
    }
  }
  const top = [...bySite.values()]
    .sort((a, b) => b.samples - a.samples)
    .slice(0, count)
    .map((site) => ({ ...site, percent: round((100 * site.samples) / Math.max(1, busy), 1) }));
  return { top, busySamples: busy, threads: files.length, ...window };
};
