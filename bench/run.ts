/**
 * `npm run bench [-- --json] [-- --only cold-init,pipeline,evaluate,burst]`: every benchmark of issues 9 and 17, a
 * table against the targets on stderr, and with `--json` the figures in bench/results/latest.json, in the
 * shape the issue fixes, so that runs can be compared. Benchmarks report; they never fail on a target.
 * Options: --scan-delay-ms N (default 0: scan completion is immediate), --sequential N (30), --concurrent N
 * (64), --concurrency N (16), --burst-images N (1000), --reconcile-repositories N (1000), --reconcile-images N
 * (10000), --reconcile-unjudged N (100), --reconcile-budget N (1000000), --reconcile-default-budget N (5000).
 * `--cpu-prof` (or `--only profile`) runs the pipeline once more under `node --cpu-prof` for the top five.
 */
import { againstMinimum } from './minimum';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BurstOptions, BurstResult } from './burst';
import { benchColdInit, type ColdInitResult } from './cold-init';
import { benchEvaluate, type EvaluateBenchResult } from './evaluate';
import { describeMachine, type MachineInfo } from './machine';
import type { PipelineOptions, PipelineResult } from './pipeline';
import type { ReconcileBenchOptions, ReconcileResult } from './reconcile';
import { topSelfTime, type ProfileItem, type ProfileSummary } from './profile';
import { formatReport } from './report';

const BENCHMARKS = ['cold-init', 'evaluate', 'pipeline', 'burst', 'reconcile'] as const;
/** Run only when asked for (`--only profile` or `--cpu-prof`): a second, profiled pipeline run. */
const ON_REQUEST = ['profile'] as const;
type Benchmark = (typeof BENCHMARKS)[number] | (typeof ON_REQUEST)[number];

export interface BenchResults {
  readonly machine: MachineInfo;
  readonly coldInit?: readonly ColdInitResult[];
  readonly pushToVerdict?: Omit<
    PipelineResult,
    'calls' | 'warmUpEndedUs' | 'sequentialEndedUs' | 'concurrentEndedUs'
  >;
  readonly remoteCallsPerApprovedImage?: PipelineResult['calls'] & {
    /** Each API against the ECR path's minimum (bench/minimum.ts). */
    readonly againstMinimum?: ReturnType<typeof againstMinimum>;
  };
  readonly evaluate?: readonly EvaluateBenchResult[];
  readonly burst?: BurstResult;
  readonly reconcile?: ReconcileResult;
  /**
   * The top five self-time items of a pipeline run under `--cpu-prof`, every thread of the stack summed, from
   * the warm-up's end: the sequential and the concurrent images, with the containers the concurrency starts.
   */
  readonly profileTopFive?: readonly ProfileItem[];
  readonly profile?: Omit<ProfileSummary, 'top'> & {
    /** The same over the sequential images only: warm containers, no init. */
    readonly warmTopFive: readonly ProfileItem[];
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const option = (argv: readonly string[], name: string, fallback: number): number => {
  const at = argv.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} wants a number, got ${argv[at + 1]}`);
  return value;
};

/**
 * A stack benchmark in a fresh process (bench/child.ts) with the loader this one runs with, and `nodeFlags`.
 * Worker threads inherit the process's execArgv, so `--cpu-prof` profiles every thread of the stack.
 */
const inChild = <T>(which: string, options: object, nodeFlags: readonly string[] = []): Promise<T> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, ...nodeFlags, join(__dirname, 'child.ts'), which, JSON.stringify(options)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`the ${which} benchmark exited with ${code}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T);
    });
  });

const USAGE = `Usage: npm run bench -- [--json] [--only cold-init,evaluate,pipeline,burst,reconcile] [--scan-delay-ms N]
                      [--sequential N] [--concurrent N] [--concurrency N] [--burst-images N]
                      [--reconcile-repositories N] [--reconcile-images N] [--reconcile-unjudged N]
                      [--reconcile-budget N] [--reconcile-default-budget N]

Runs the benchmarks of docs/benchmarks.md and prints a table against the targets on stderr (progress too).
Benchmarks report; they never fail on a target. The full run takes about 15 minutes on 2 cores, most of it
the burst of 1,000 pushes.

  --json               also write the figures to bench/results/latest.json
  --out NAME           with --json, write bench/results/NAME instead
  --only LIST          run only these benchmarks (comma-separated; \`profile\` runs only when named)
  --cpu-prof           also run the pipeline under node --cpu-prof and report the top five self-time items
  --scan-delay-ms N    simulated scan time (default 0: completion is immediate)
  --sequential N       images pushed one at a time for p50/p95 (default 30)
  --concurrent N       images pushed for the throughput figure (default 64)
  --concurrency N      pushes in flight for the throughput figure (default 16)
  --burst-images N     size of the burst (default 1000)
  --reconcile-repositories N  repositories the sweep's registry holds (default 1000)
  --reconcile-images N        images over them (default 10000)
  --reconcile-unjudged N      of which without a record, as if their events were lost (default 100)
  --reconcile-budget N        maxApiCallsPerRun of the measured run (default 1000000: it finishes)
  --reconcile-default-budget N  budget of the second run (default 5000, the config's default; 0: none)
`;

const main = async (argv: readonly string[]): Promise<void> => {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const onlyAt = argv.indexOf('--only');
  const only = new Set<Benchmark>(
    onlyAt === -1 ? BENCHMARKS : ((argv[onlyAt + 1] ?? '').split(',') as Benchmark[]),
  );
  if (argv.includes('--cpu-prof')) only.add('profile');
  const known: readonly Benchmark[] = [...BENCHMARKS, ...ON_REQUEST];
  for (const name of only) {
    if (!known.includes(name)) throw new Error(`--only: unknown benchmark ${name} (${known.join(', ')})`);
  }
  const scanDelayMs = option(argv, 'scan-delay-ms', 0);
  const machine = describeMachine();
  log(
    `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, stack state in ${machine.scratchDir}`,
  );

  let results: BenchResults = { machine };
  if (only.has('cold-init')) {
    log('cold init: bundling each handler as CDK does, then timing fresh node processes');
    results = { ...results, coldInit: benchColdInit(log) };
  }
  if (only.has('evaluate')) {
    log('evaluate: 1k, 10k, 100k findings, each in a fresh process');
    const evaluate = await benchEvaluate();
    results = { ...results, evaluate };
    for (const run of evaluate) log(`evaluate ${run.findings}: ${run.ms} ms, peak RSS ${run.peakRssMb} MB`);
  }
  const pipelineOptions: Omit<PipelineOptions, 'log'> = {
    scanDelayMs,
    sequential: option(argv, 'sequential', 30),
    concurrent: option(argv, 'concurrent', 64),
    concurrency: option(argv, 'concurrency', 16),
    // Enough that no repository holds more than a few images: the stand-in lists a repository's tags to
    // answer ECR, which would otherwise add stand-in time (not pipeline time) per image.
    repositories: 40,
  };
  if (only.has('pipeline')) {
    log(`push-to-verdict: local stack, scan delay ${scanDelayMs} ms`);
    const {
      calls,
      warmUpEndedUs: _,
      sequentialEndedUs: __,
      concurrentEndedUs: ___,
      ...pushToVerdict
    } = await inChild<PipelineResult>('pipeline', pipelineOptions);
    results = {
      ...results,
      pushToVerdict,
      remoteCallsPerApprovedImage: { ...calls, againstMinimum: againstMinimum(calls.byApi) },
    };
    log(
      `push-to-verdict: p50 ${pushToVerdict.p50Ms} ms, p95 ${pushToVerdict.p95Ms} ms, ${pushToVerdict.imagesPerSecond} images/s, ${calls.total} calls per image (${calls.totalWithDynamoDb} with DynamoDB), ${pushToVerdict.cpuPerImage.totalMs} ms CPU per image, ${pushToVerdict.failures} failed`,
    );
  }
  if (only.has('profile')) {
    // A run of its own: the profiler's overhead must not reach the pipeline's figures.
    log('profile: the pipeline again, under node --cpu-prof');
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cpu-prof-'));
    try {
      const profiled = await inChild<PipelineResult>('pipeline', pipelineOptions, [
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
      ]);
      // From the warm-up's end (the first containers' init, tsx compiling them, is cold-init's business) to the
      // last verdict (the teardown is not the stack's work).
      const root = join(__dirname, '..');
      const { top, ...profile } = topSelfTime(dir, root, {
        fromUs: profiled.warmUpEndedUs,
        toUs: profiled.concurrentEndedUs,
      });
      const warm = topSelfTime(dir, root, {
        fromUs: profiled.warmUpEndedUs,
        toUs: profiled.sequentialEndedUs,
      });
      results = { ...results, profileTopFive: top, profile: { ...profile, warmTopFive: warm.top } };
      for (const item of top) log(`profile: ${item.percent}% ${item.functionName} ${item.location}`);
      for (const item of warm.top)
        log(`profile, warm containers: ${item.percent}% ${item.functionName} ${item.location}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (only.has('burst')) {
    const options: Omit<BurstOptions, 'log'> = {
      images: option(argv, 'burst-images', 1000),
      scanDelayMs,
      // One repository per image, for the same reason; each first push also configures its repository.
      repositories: option(argv, 'burst-images', 1000),
      pushConcurrency: 16,
    };
    log(`burst: ${options.images} pushes`);
    const burst = await inChild<BurstResult>('burst', options);
    results = { ...results, burst };
    log(
      `burst: ${burst.images} images in ${burst.seconds} s, peak RSS ${burst.peakRssMb} MB, ${burst.failures} failed`,
    );
  }

  if (only.has('reconcile')) {
    const options: Omit<ReconcileBenchOptions, 'log'> = {
      repositories: option(argv, 'reconcile-repositories', 1000),
      images: option(argv, 'reconcile-images', 10_000),
      unjudged: option(argv, 'reconcile-unjudged', 100),
      maxApiCallsPerRun: option(argv, 'reconcile-budget', 1_000_000),
      budgetCalls: option(argv, 'reconcile-default-budget', 5000),
      putImagePerSecond: 1000,
      pushConcurrency: 16,
    };
    log(
      `reconcile: ${options.images} images over ${options.repositories} repositories, ${options.unjudged} unjudged`,
    );
    const reconcile = await inChild<ReconcileResult>('reconcile', options);
    results = { ...results, reconcile };
    log(
      `reconcile: ${reconcile.images} images in ${reconcile.seconds} s (${reconcile.imagesPerSecond} images/s), ${reconcile.calls ?? '?'} calls, peak RSS ${reconcile.rssMb.peak} MB`,
    );
  }

  log('');
  log(formatReport(results));
  if (argv.includes('--json')) {
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const outAt = argv.indexOf('--out');
    // `--out NAME`: another file under bench/results, so a run of one benchmark leaves latest.json whole.
    const file = join(dir, outAt === -1 ? 'latest.json' : (argv[outAt + 1] ?? 'latest.json'));
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`written ${file}`);
  }
};

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
