/**
 * Push-to-verdict latency and throughput on the local stack, and the remote calls per approved image.
 * Latency of one image: from the moment the registry answered the manifest PUT (the push is done) to the
 * moment the stand-in hands the `Tollgate Image Verdict` event, APPROVED with its signatures, to the bus's
 * router. Everything in between runs as deployed code: the registry's notification, ECR's Image Action
 * event, the simulated scan (immediate unless `scanDelayMs`), on-push, on-scan, sign, PutEvents.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startBenchStack, type BenchStack } from './bench-stack';
import { costPerImage, type CpuPerImage, type GbSeconds } from './cost';
import { tracedCriticalPath } from './pipeline-trace';
import type { CriticalPath } from './critical-path';
import type { CallCounts } from '../local/registry-front';
import { percentile, round } from './stats';
import { stackCpuPerImage, type StackCpuPerImage, type StackCpuSample } from './stack-cpu';

export interface PipelineOptions {
  readonly scanDelayMs: number;
  /** Images timed one at a time. */
  readonly sequential: number;
  /** Images pushed with `concurrency` in flight, for throughput. */
  readonly concurrent: number;
  readonly concurrency: number;
  /** Repositories the images are spread over; each gets one warm-up image first. */
  readonly repositories: number;
  readonly log: (line: string) => void;
}

export interface PipelineResult {
  /** The registry endpoint measured: `ecr` (the referrers API, as in production) or `distribution`. */
  readonly registryMode: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Median time from the push to each earlier event of the image on the bus: where the latency goes. */
  readonly stagesP50Ms: Readonly<Record<string, number>>;
  readonly imagesPerSecond: number;
  readonly scanDelayMs: number;
  readonly sequentialImages: number;
  readonly concurrentImages: number;
  readonly concurrency: number;
  /** Images without an APPROVED verdict carrying signatures in time: a correctness failure, not a slow one. */
  readonly failures: number;
  /** CPU of the whole stack per approved image over the sequential images, and the throughput it allows. */
  readonly stackCpuPerImage: StackCpuPerImage;
  /**
   * The throughput window: the images pushed first at the same concurrency to start the environments it needs
   * (not measured), the stack's CPU per image in the window, and the environments that still started in it.
   */
  readonly concurrent: {
    readonly warmUpImages: number;
    readonly stackCpuPerImage: StackCpuPerImage;
    readonly coldStarts: Readonly<Record<string, number>>;
  };
  /** Thread CPU of Tollgate's functions per approved image, over the sequential images (bench/cost.ts). */
  readonly cpuPerImage: CpuPerImage;
  readonly gbSecondsPer1000Images: GbSeconds;
  /** The dependent chain of round trips of one traced image, at the round trips measured idle. */
  readonly criticalPath: CriticalPath;
  /** p50 / criticalPath.ms. */
  readonly p50ToCriticalPath: number;
  /**
   * process.hrtime in µs (CLOCK_MONOTONIC, the CPU profiler's clock) when the warm-up ended: a profile of the
   * run counts its samples from here (bench/profile.ts). Not a figure; bench/run.ts leaves it out of the report.
   */
  readonly warmUpEndedUs: number;
  /** The same when the sequential images were judged (warm containers, one image at a time). */
  readonly sequentialEndedUs: number;
  /** The same when the concurrent images were judged, before the stack stops (its teardown is not the stack's CPU). */
  readonly concurrentEndedUs: number;
  /**
   * Mean calls per approved image over the sequential images, with warm containers and configured
   * repositories. `total` and `byApi` are what the issue counts: the stand-in's APIs (ECR, KMS, EventBridge,
   * Scheduler) and the registry's routes. DynamoDB (dynalite) is counted apart, and added in `totalWithDynamoDb`.
   */
  readonly calls: {
    readonly total: number;
    readonly byApi: CallCounts;
    readonly dynamodb: CallCounts;
    readonly totalWithDynamoDb: number;
    readonly images: number;
  };
}

const VERDICT_TIMEOUT_MS = 60_000;

/** The stages of one image, each from the push: when its event reached the bus. */
const STAGES = ['ECR Image Action', 'ECR Image Scan', 'Tollgate Signing Requested'] as const;

interface Judged {
  readonly latencyMs: number;
  /** Milliseconds from the push to each stage's event. */
  readonly stagesMs: Readonly<Record<string, number>>;
}

/** Pushes image `index` into the pool and waits for its verdict; undefined if it was not APPROVED and signed. */
const pushAndJudge = async (
  stack: BenchStack,
  index: number,
  repositories: number,
): Promise<Judged | undefined> => {
  const pushed = await stack.push(`${index % repositories}`);
  try {
    const seen = await stack.verdict(pushed.digest, VERDICT_TIMEOUT_MS);
    if (seen.verdict !== 'APPROVED' || seen.signatures === 0) return undefined;
    return {
      latencyMs: seen.at - pushed.pushedAt,
      stagesMs: Object.fromEntries(
        Object.entries(seen.stages).map(([type, at]) => [type, at - pushed.pushedAt]),
      ),
    };
  } catch {
    return undefined;
  }
};

const perImage = (counts: CallCounts, images: number): CallCounts =>
  Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([api, n]) => [api, round(n / images, 2)]),
  );

/** The functions' cost and the whole stack's CPU per image since `before` (and the last resetCalls). */
const windowCost = (
  stack: BenchStack,
  before: StackCpuSample,
  images: number,
): { readonly cost: ReturnType<typeof costPerImage>; readonly stackCpu: StackCpuPerImage } => {
  const cost = costPerImage(stack.cpuUsage(), images);
  const stackCpu = stackCpuPerImage(before, stack.stackCpu(), images, cost.cpu.totalMs, cpus().length);
  return { cost, stackCpu };
};

export const benchPipeline = async (options: PipelineOptions): Promise<PipelineResult> => {
  const stack = await startBenchStack({ scanDelayMs: options.scanDelayMs, stages: true });
  try {
    let failures = 0;
    // Warm-up: every function container started, every repository created and configured by on-push.
    options.log(`pipeline: warming up ${options.repositories} repositories`);
    for (let repo = 0; repo < options.repositories; repo += 1) {
      if ((await pushAndJudge(stack, repo, options.repositories)) === undefined) failures += 1;
    }
    await stack.idle();
    stack.resetCalls();
    const warmUpEndedUs = Number(process.hrtime.bigint() / 1000n);
    const stackCpuBefore = stack.stackCpu();

    const judged: Judged[] = [];
    for (let i = 0; i < options.sequential; i += 1) {
      const one = await pushAndJudge(stack, options.repositories + i, options.repositories);
      if (one === undefined) failures += 1;
      else judged.push(one);
      if ((i + 1) % 10 === 0) options.log(`pipeline: ${i + 1}/${options.sequential} sequential images`);
    }
    await stack.idle();
    const counted = stack.calls();
    const sequentialEndedUs = Number(process.hrtime.bigint() / 1000n);
    const { cost, stackCpu } = windowCost(stack, stackCpuBefore, options.sequential);

    // After the counts, so that neither the traced image nor the timed round trips are counted.
    const critical = await tracedCriticalPath(
      stack,
      `${(options.repositories + options.sequential) % options.repositories}`,
      VERDICT_TIMEOUT_MS,
    );
    options.log(
      `pipeline: critical path ${critical.ms} ms (${Object.entries(critical.depth)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')})`,
    );

    // + 1: the traced image.
    let nextRepository = options.repositories + options.sequential + 1;
    const atConcurrency = async (images: number): Promise<number> => {
      let next = 0;
      const started = performance.now();
      const worker = async (): Promise<void> => {
        while (next < images) {
          next += 1;
          const repository = nextRepository;
          nextRepository += 1;
          if ((await pushAndJudge(stack, repository, options.repositories)) === undefined) failures += 1;
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      return (performance.now() - started) / 1000;
    };
    // Lambda keeps an environment per request in flight: at concurrency 16 the stack runs more environments than
    // the sequential images started, and each new one loads its handler (0.6-1 s of CPU here). Started first,
    // so that the figure is the steady state's, as it is on Lambda once it has scaled out.
    const warmUpImages = options.concurrency * 2;
    options.log(
      `pipeline: ${warmUpImages} images at concurrency ${options.concurrency}, to start the environments`,
    );
    await atConcurrency(warmUpImages);
    await stack.idle();
    stack.resetCalls();
    options.log(`pipeline: ${options.concurrent} images at concurrency ${options.concurrency}`);
    const concurrentCpuBefore = stack.stackCpu();
    const seconds = await atConcurrency(options.concurrent);
    const { cost: concurrentCost, stackCpu: concurrentStackCpu } = windowCost(
      stack,
      concurrentCpuBefore,
      options.concurrent,
    );
    const concurrentEndedUs = Number(process.hrtime.bigint() / 1000n);

    const aws = perImage(counted.aws, options.sequential);
    const dynamodb = perImage(counted.dynamodb, options.sequential);
    const registry = perImage(
      Object.fromEntries(Object.entries(counted.registry).map(([route, n]) => [`registry:${route}`, n])),
      options.sequential,
    );
    const byApi = { ...aws, ...registry };
    const sum = (counts: CallCounts): number => Object.values(counts).reduce((total, n) => total + n, 0);
    const latencies = judged.map((one) => one.latencyMs);
    const stagesP50Ms = Object.fromEntries(
      STAGES.map((stage) => [
        stage,
        round(
          percentile(
            judged.flatMap((one) => one.stagesMs[stage] ?? []),
            50,
          ),
        ),
      ]),
    );
    const p50Ms = round(percentile(latencies, 50));
    return {
      registryMode: stack.registryMode,
      p50Ms,
      p95Ms: round(percentile(latencies, 95)),
      stagesP50Ms,
      imagesPerSecond: round(options.concurrent / seconds, 2),
      scanDelayMs: options.scanDelayMs,
      sequentialImages: options.sequential,
      concurrentImages: options.concurrent,
      concurrency: options.concurrency,
      failures,
      stackCpuPerImage: stackCpu,
      concurrent: {
        warmUpImages,
        stackCpuPerImage: concurrentStackCpu,
        coldStarts: concurrentCost.cpu.coldStarts,
      },
      cpuPerImage: cost.cpu,
      gbSecondsPer1000Images: cost.gbSecondsPer1000Images,
      criticalPath: critical,
      p50ToCriticalPath: round(p50Ms / critical.ms, 2),
      warmUpEndedUs,
      sequentialEndedUs,
      concurrentEndedUs,
      calls: {
        total: round(sum(byApi), 2),
        byApi,
        dynamodb,
        totalWithDynamoDb: round(sum(byApi) + sum(dynamodb), 2),
        images: options.sequential,
      },
    };
  } finally {
    await stack.stop();
  }
};
