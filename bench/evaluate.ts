/**
 * How long evaluate() takes, and how much memory a process judging that many findings needs.
 * Run: npx tsx bench/evaluate.ts [--json]. Each size runs in a fresh child process, so its peak RSS
 * is its own and not left over from a larger size. Target: 100k findings in ≤100 ms and ≤200 MB.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Digest, Finding, Severity } from '../shared/core/domain';
import { evaluate, parsePolicy } from '../shared/core/policy';

export interface EvaluateBenchResult {
  readonly findings: number;
  /** Median of the timed runs. */
  readonly ms: number;
  /** Peak resident set of the child process: Node itself, the generated findings and evaluate. */
  readonly peakRssMb: number;
  /** Resident set once the code is loaded, before any finding exists: what no size can go below. */
  readonly baselineRssMb: number;
}

export const BENCH_SIZES = [1_000, 10_000, 100_000] as const;
const WARMUP_RUNS = 3;
const TIMED_RUNS = 9;

const POLICY = `
defaults:
  severityLimits: { CRITICAL: 0, HIGH: 0, MEDIUM: 20 }
  maxCvss: 9.0
  ignoreUnfixed: true
  blockExploitAvailable: true
exceptions:
${Array.from(
  { length: 25 },
  (_, index) =>
    `  - { id: CVE-2026-${String(index * 7).padStart(5, '0')}, package: pkg-${index}, repositories: ['bench/*'], reason: accepted, expires: 2099-12-31 }`,
).join('\n')}
repositories:
  - match: 'sandbox/*'
    mode: warn
  - match: 'bench/*'
    severityLimits: { MEDIUM: 1000 }
`;

const SEVERITY_MIX: readonly Severity[] = [
  'CRITICAL',
  'HIGH',
  'HIGH',
  'MEDIUM',
  'MEDIUM',
  'MEDIUM',
  'LOW',
  'LOW',
  'INFORMATIONAL',
];

/** Deterministic findings shaped like Inspector's: mixed severities, scores, fixes, exploits, packages. */
export const generateFindings = (count: number, seed = 42): Finding[] => {
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32: fast, and the same findings on every machine.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, (_, index): Finding => {
    const roll = next();
    return {
      id: `CVE-2026-${String(index % 100_000).padStart(5, '0')}`,
      severity: SEVERITY_MIX[Math.floor(next() * SEVERITY_MIX.length)] ?? 'LOW',
      title: `CVE-2026-${index} - pkg-${index % 500}`,
      cvss: { score: Math.round(next() * 100) / 10, version: '3.1' },
      package: { name: `pkg-${index % 500}`, version: `1.${index % 17}.${index % 5}` },
      fixAvailable: roll < 0.6 ? 'YES' : roll < 0.85 ? 'NO' : 'PARTIAL',
      exploitAvailable: next() < 0.05 ? 'YES' : 'NO',
    };
  });
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** One size, in this process. */
export const measureInProcess = (count: number): EvaluateBenchResult => {
  const baselineRssMb = Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
  const policy = parsePolicy(POLICY, 'bench policy');
  const findings = generateFindings(count);
  const image = { registry: 'bench', repository: 'bench/app', digest: `sha256:${'0'.repeat(64)}` as Digest };
  const scan = { scanner: 'INSPECTOR' as const, status: 'COMPLETE', severityCounts: {} };
  const now = new Date('2026-12-01T00:00:00Z');
  const once = (): number => {
    const start = performance.now();
    const verdict = evaluate({ findings, policy, image, now, scan });
    const elapsed = performance.now() - start;
    if (verdict.outcome === 'ERROR') throw new Error(`bench verdict is an ERROR: ${verdict.error.message}`);
    return elapsed;
  };
  for (let run = 0; run < WARMUP_RUNS; run += 1) once();
  const times = Array.from({ length: TIMED_RUNS }, once);
  return {
    findings: count,
    ms: Math.round(median(times) * 100) / 100,
    peakRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    baselineRssMb,
  };
};

/** Every size, each in a fresh child process. For the `npm run bench` aggregator. */
export const benchEvaluate = async (): Promise<EvaluateBenchResult[]> => {
  const results: EvaluateBenchResult[] = [];
  for (const count of BENCH_SIZES) {
    // Same node and the same loader flags (tsx's) this process was started with.
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', String(count)], {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`bench child for ${count} findings failed: ${child.stderr}`);
    results.push(JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as EvaluateBenchResult);
  }
  return Promise.resolve(results);
};

const main = async (argv: readonly string[]): Promise<void> => {
  const childAt = argv.indexOf('--child');
  if (childAt !== -1) {
    process.stdout.write(`${JSON.stringify(measureInProcess(Number(argv[childAt + 1])))}\n`);
    return;
  }
  const results = await benchEvaluate();
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  process.stdout.write('findings        ms   peak RSS MB   baseline RSS MB\n');
  for (const result of results) {
    process.stdout.write(
      `${String(result.findings).padStart(8)}  ${result.ms.toFixed(2).padStart(8)}  ${result.peakRssMb.toFixed(1).padStart(12)}  ${result.baselineRssMb.toFixed(1).padStart(16)}\n`,
    );
  }
};

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
