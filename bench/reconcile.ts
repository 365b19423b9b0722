/**
 * One sweep (functions/reconcile, docs/reconcile.md) over a registry of `repositories` repositories holding
 * `images` tagged images, on the local stack, as a real account's steady state: every image but `unjudged` has a
 * DECIDED, APPROVED, fully signed record under the deployed policy (seeded straight into the verdict table), and
 * the `unjudged` ones have none, as if their push events had been lost. The ECR and Inspector events of the
 * seeded pushes are dropped (the stand-in's `eventLoss`), so the pipeline never judges them; one warm-up image is
 * judged by the pipeline first, and its record is the template of every seeded one.
 *
 * Then the sweep is invoked once, as its schedule would, with a budget that lets it finish
 * (`maxApiCallsPerRun`), and measured: wall time, its report, its API calls (its own count from the "sweep run"
 * log line, the stand-in's by API, dynalite's by operation, the registry front's), the resident set of this
 * process (which runs the stand-in, dynalite and every function's worker thread: the registry is a process of its
 * own, not counted), and the lost-event images it judged. A second run at the default budget of 5,000 calls
 * (`budgetCalls`) is then made over the same, now fully judged, registry, by a second runtime holding only the
 * sweep with that budget, to say how far one default run gets. Run in a fresh child process (bench/child.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { benchScratchDir } from './scratch-dir';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { markMainThreadFetch, type CallCounts } from '../local/registry-front';
import { countDynaliteCalls } from './dynamo-counter';
import { round } from './stats';
import type * as LocalStackModule from '../local/stack';
import type * as SampleImagesModule from '../local/sample-images';
import type * as LambdaModule from '../local/lambda';
import type * as OciModule from '../shared/adapters/oci';

export interface ReconcileBenchOptions {
  readonly repositories: number;
  readonly images: number;
  /** Images left without a record: the lost-event images the sweep must find and judge. */
  readonly unjudged: number;
  /** `reconcile.maxApiCallsPerRun` of the measured run: enough that it finishes. */
  readonly maxApiCallsPerRun: number;
  /** The budget of the second run (the default config's). 0: no second run. */
  readonly budgetCalls: number;
  /** `signing.putImagePerSecond`: high, so the signing cap never stops the run. */
  readonly putImagePerSecond: number;
  /** Pushes in flight while filling the registry. */
  readonly pushConcurrency: number;
  readonly log: (line: string) => void;
}

export interface SweepRunFigures {
  readonly maxApiCallsPerRun: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly complete: boolean;
  readonly stoppedBy?: string;
  readonly repositories: number;
  readonly images: number;
  readonly actions: Readonly<Record<string, number>>;
  readonly withoutVerdict: number;
  /** The function's own count, from its "sweep run" log line (what its budget counts). */
  readonly calls: number | undefined;
  /** The stand-in's calls by API during the run (and the pipeline it started), each SDK attempt counted. */
  readonly awsCalls: CallCounts;
  /** dynalite's requests by operation during the run, every function's. */
  readonly dynamodbCalls: CallCounts;
}

export interface ReconcileResult extends SweepRunFigures {
  readonly seededRepositories: number;
  readonly seededImages: number;
  readonly unjudged: number;
  readonly fillSeconds: number;
  readonly seedSeconds: number;
  /** Registry requests through the front during the run: the functions' (the sweep reads no manifest). */
  readonly registryCalls: CallCounts;
  /**
   * Resident set of this process (stand-in, dynalite, every function's worker thread; not the registry), MB:
   * before the run, the highest sampled every 100 ms during it, after it. Lambda's max memory is not exposed by
   * the local runtime, whose functions share this process.
   */
  readonly rssMb: { readonly before: number; readonly peak: number; readonly after: number };
  /** The `unjudged` images: recorded by the sweep (`record`), and how many ended DECIDED with all signatures. */
  readonly judged: { readonly recorded: number; readonly decided: number; readonly signed: number };
  /** The run at the default budget, over the same registry once every image is judged. */
  readonly atDefaultBudget?: SweepRunFigures;
}

const FORMATS = ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'] as const;
const SWEEP_ENTRY = 'functions/reconcile/handler.ts';
const CONFIG_ENV = 'TOLLGATE_CONFIG';

const delta = (after: CallCounts, before: CallCounts): CallCounts =>
  Object.fromEntries(
    Object.entries(after)
      .map(([api, n]) => [api, n - (before[api] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );

const rssMb = (): number => round(process.memoryUsage().rss / 1024 / 1024);

export const benchReconcile = async (options: ReconcileBenchOptions): Promise<ReconcileResult> => {
  const { log } = options;
  const dynamo = countDynaliteCalls();
  const unmark = markMainThreadFetch();
  /* eslint-disable @typescript-eslint/no-require-imports -- after countDynaliteCalls, on purpose */
  const { startLocalStack } = require('../local/stack') as typeof LocalStackModule;
  const { pushSampleImage, tarArchive } = require('../local/sample-images') as typeof SampleImagesModule;
  const { LocalLambdaRuntime } = require('../local/lambda') as typeof LambdaModule;
  const { MediaType, manifestBytes, sha256Digest } = require('../shared/adapters/oci') as typeof OciModule;
  /* eslint-enable @typescript-eslint/no-require-imports */

  const stateDir = mkdtempSync(join(benchScratchDir(), 'tollgate-bench-reconcile-'));
  // Off for the warm-up image, on for every seeded push: AWS's own events (ECR, Inspector) are lost.
  let dropping = false;
  const sweepLines: Record<string, unknown>[] = [];
  const onFunctionLog = (_fn: string, line: string): void => {
    if (!line.includes('sweep run')) return;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.message === 'sweep run') sweepLines.push(parsed);
    } catch {
      // not a JSON line
    }
  };
  const stack = await startLocalStack({
    stateDir: join(stateDir, 'stack'),
    config: {
      repositories: ['*'],
      policy: 'tollgate.policy.yaml',
      signatures: { formats: [...FORMATS] },
      signing: { putImagePerSecond: options.putImagePerSecond },
      reconcile: { maxApiCallsPerRun: options.maxApiCallsPerRun },
    },
    persistTables: false,
    retryDelayMs: (attempt) => 20 * attempt,
    standIn: {
      scanDelayMs: 0,
      eventLoss: { drop: (event) => dropping && event.source.startsWith('aws.') },
    },
    functionLog: onFunctionLog,
  });
  let extraRuntime: InstanceType<typeof LocalLambdaRuntime> | undefined;
  try {
    const fn = stack.deployment.functions.find((candidate) => candidate.entry === SWEEP_ENTRY);
    if (fn === undefined) throw new Error(`the template has no sweep (${SWEEP_ENTRY})`);
    const tableName = stack.verdicts.tableName;
    if (tableName === undefined) throw new Error('the template has no verdict table');
    const documents = DynamoDBDocumentClient.from(stack.dynamo.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const client = stack.registryClient();
    const idle = async (): Promise<void> => {
      await stack.standIn.settled();
      await stack.runtime.idle();
      await stack.standIn.settled();
    };

    // The warm-up: one image judged by the pipeline, whose record every seeded one copies.
    const run = Date.now().toString(36);
    const warm = await pushSampleImage(client, {
      repository: `bench/w${run}`,
      tag: 'v0',
      description: 'warm-up image',
      findings: [],
    });
    const warmKey = { pk: `image#${warm.repository}@${warm.digest}`, sk: 'verdict' };
    let template: Record<string, unknown> | undefined;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      await idle();
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: warmKey }));
      const signatures = (Item?.signatures as unknown[] | undefined) ?? [];
      if (Item?.status === 'DECIDED' && signatures.length >= FORMATS.length) {
        template = Item;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (template === undefined) throw new Error('the warm-up image got no signed verdict');
    const policyDigest = (template.verdict as { policyDigest?: string } | undefined)?.policyDigest;
    log(`reconcile: warm-up judged (policy ${policyDigest ?? '?'}); filling the registry, events dropped`);
    dropping = true;

    // Fill: each repository's layer pushed once, then one config (unique) and one manifest per image.
    const fillStarted = performance.now();
    const repositories = Array.from({ length: options.repositories }, (_, i) => `bench/r${run}-${i}`);
    const layer = tarArchive([{ name: 'tollgate-bench.txt', content: `reconcile bench ${run}\n` }]);
    const layerDigest = sha256Digest(layer);
    const pushed: { repository: string; tag: string; digest: string; pushedAt: string }[] = [];
    let nextRepository = 0;
    await Promise.all(
      Array.from({ length: options.pushConcurrency }, async () => {
        while (nextRepository < repositories.length) {
          const r = nextRepository++;
          const repository = repositories[r]!;
          await client.putBlob(repository, layer);
          // Images r, r + M, r + 2M…: the N images spread evenly over the M repositories.
          for (let i = r; i < options.images; i += options.repositories) {
            const created = new Date().toISOString();
            const config = Buffer.from(
              JSON.stringify({
                created,
                architecture: 'amd64',
                os: 'linux',
                config: { Labels: { 'tollgate.bench/image': String(i), 'tollgate.bench/id': randomUUID() } },
                rootfs: { type: 'layers', diff_ids: [layerDigest] },
              }),
            );
            await client.putBlob(repository, config);
            const bytes = manifestBytes({
              schemaVersion: 2,
              mediaType: MediaType.ociManifest,
              config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
              layers: [{ mediaType: MediaType.ociLayer, digest: layerDigest, size: layer.length }],
            });
            const tag = `v${i}`;
            await client.putManifest(repository, tag, { mediaType: MediaType.ociManifest, bytes });
            pushed.push({ repository, tag, digest: sha256Digest(bytes), pushedAt: created });
            if (pushed.length % 1000 === 0) log(`reconcile: ${pushed.length}/${options.images} pushed`);
          }
        }
      }),
    );
    await idle();
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    log(
      `reconcile: ${pushed.length} images in ${repositories.length} repositories in ${fillSeconds.toFixed(1)} s`,
    );

    // Seed: every image but the last `unjudged` (one in every few repositories) DECIDED APPROVED, all signed,
    // last written two hours ago (settled), its scan and attestation from the warm-up (young).
    const seedStarted = performance.now();
    const stride = Math.max(1, Math.floor(pushed.length / Math.max(1, options.unjudged)));
    const unjudged = new Set<number>();
    for (let i = 0; unjudged.size < Math.min(options.unjudged, pushed.length); i += stride)
      unjudged.add(i % pushed.length);
    const settledAt = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    const templateText = JSON.stringify(template);
    const items = pushed.flatMap((image, index) => {
      if (unjudged.has(index)) return [];
      const text = templateText
        .replaceAll(`${warm.repository}@${warm.digest}`, `${image.repository}@${image.digest}`)
        .replaceAll(warm.digest, image.digest)
        .replaceAll(`"${warm.repository}`, `"${image.repository}`);
      const item = JSON.parse(text) as Record<string, unknown>;
      return [
        {
          ...item,
          tags: [image.tag],
          pushedAt: image.pushedAt,
          updatedAt: settledAt,
          correlationId: `bench-seed-${run}`,
          announcementPending: false,
        },
      ];
    });
    let nextBatch = 0;
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (nextBatch < batches.length) {
          let requests = batches[nextBatch++]!.map((Item) => ({ PutRequest: { Item } }));
          for (let attempt = 0; requests.length > 0; attempt++) {
            if (attempt > 10) throw new Error('BatchWriteItem left items unprocessed');
            const answer = await documents.send(
              new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
            );
            requests = (answer.UnprocessedItems?.[tableName] ?? []) as typeof requests;
          }
        }
      }),
    );
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(
      `reconcile: ${items.length} records seeded in ${seedSeconds.toFixed(1)} s; ${unjudged.size} left unjudged`,
    );

    // The measured run.
    const sweepOnce = async (
      runtime: {
        invoke: (
          reference: string,
          event: unknown,
        ) => Promise<{ ok: boolean; result?: unknown; error?: unknown }>;
      },
      budget: number,
    ): Promise<SweepRunFigures> => {
      const awsBefore = stack.standIn.calls();
      dynamo.reset();
      const linesBefore = sweepLines.length;
      const started = performance.now();
      const outcome = await runtime.invoke(fn.logicalId, { trigger: 'schedule' });
      const seconds = (performance.now() - started) / 1000;
      if (!outcome.ok) throw new Error(`the sweep failed: ${JSON.stringify(outcome.error)}`);
      await idle();
      const report = outcome.result as {
        complete: boolean;
        stoppedBy?: string;
        repositories: number;
        images: number;
        actions: Record<string, number>;
        withoutVerdict: number;
      };
      const line = sweepLines.slice(linesBefore).at(-1);
      return {
        maxApiCallsPerRun: budget,
        seconds: round(seconds, 2),
        imagesPerSecond: round(report.images / seconds),
        complete: report.complete,
        ...(report.stoppedBy === undefined ? {} : { stoppedBy: report.stoppedBy }),
        repositories: report.repositories,
        images: report.images,
        actions: report.actions,
        withoutVerdict: report.withoutVerdict,
        calls: typeof line?.calls === 'number' ? line.calls : undefined,
        awsCalls: delta(stack.standIn.calls(), awsBefore),
        dynamodbCalls: dynamo.calls(),
      };
    };

    const front = stack.registryFront;
    front?.resetCalls();
    const before = rssMb();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb());
    }, 100);
    log(`reconcile: sweeping (budget ${options.maxApiCallsPerRun} calls)`);
    let figures: SweepRunFigures;
    try {
      figures = await sweepOnce(stack.runtime, options.maxApiCallsPerRun);
    } finally {
      clearInterval(sampler);
    }
    const after = rssMb();
    peak = Math.max(peak, after);
    const registryCalls = front?.calls().pipeline ?? {};
    log(
      `reconcile: ${figures.images} images in ${figures.seconds} s (${figures.imagesPerSecond}/s), complete ${figures.complete}, ${figures.calls ?? '?'} calls`,
    );

    let recorded = 0;
    let decided = 0;
    let signed = 0;
    recorded = figures.actions.record ?? 0;
    for (const index of unjudged) {
      const image = pushed[index]!;
      const record = await stack.verdicts.read(image.repository, image.digest);
      if (record?.status === 'DECIDED') decided++;
      if (
        record?.status === 'DECIDED' &&
        new Set(record.signatures.map((s) => s.format)).size >= FORMATS.length
      )
        signed++;
    }

    let atDefaultBudget: SweepRunFigures | undefined;
    if (options.budgetCalls > 0) {
      // A fresh pass at the default budget: the cursor of a finished pass is gone already; make sure.
      await documents.send(
        new DeleteCommand({ TableName: tableName, Key: { pk: 'reconcile#cursor', sk: 'cursor' } }),
      );
      const config = JSON.parse(fn.environment[CONFIG_ENV] ?? '{}') as {
        reconcile?: Record<string, unknown>;
      };
      const budgeted = {
        ...fn,
        environment: {
          ...fn.environment,
          [CONFIG_ENV]: JSON.stringify({
            ...config,
            reconcile: { ...config.reconcile, maxApiCallsPerRun: options.budgetCalls },
          }),
        },
      };
      extraRuntime = new LocalLambdaRuntime([budgeted], {
        projectRoot: join(__dirname, '..'),
        taskRootDir: join(stateDir, 'lambda-budget'),
        environment: {
          AWS_ENDPOINT_URL: stack.standIn.url,
          ...stack.standIn.endpointEnv(),
          AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
        },
        onLog: onFunctionLog,
      });
      log(`reconcile: sweeping again at the default budget (${options.budgetCalls} calls)`);
      atDefaultBudget = await sweepOnce(extraRuntime, options.budgetCalls);
      log(
        `reconcile: default budget: ${atDefaultBudget.images} images in ${atDefaultBudget.seconds} s, complete ${atDefaultBudget.complete}, stopped by ${atDefaultBudget.stoppedBy ?? '-'}`,
      );
    }

    return {
      seededRepositories: repositories.length,
      seededImages: pushed.length,
      unjudged: unjudged.size,
      fillSeconds: round(fillSeconds, 1),
      seedSeconds: round(seedSeconds, 1),
      ...figures,
      registryCalls,
      rssMb: { before, peak, after },
      judged: { recorded, decided, signed },
      ...(atDefaultBudget === undefined ? {} : { atDefaultBudget }),
    };
  } finally {
    await extraRuntime?.stop().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    unmark();
  }
};
