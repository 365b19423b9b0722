import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mkdtempSync, rmSync } from 'node:fs';
import { benchScratchDir } from './scratch-dir';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  markMainThreadFetch,
  registryModeOf,
  type CallCounts,
  type RegistryMode,
} from '../local/registry-front';
import type { FunctionUsage } from '../local/lambda';
import type { LocalTable } from '../local/template';
import type { RoundTripKind, TimedCall } from './critical-path';
import { countDynaliteCalls, type DynamoCallCounter } from './dynamo-counter';
import { sampleStackCpu, type StackCpuSample } from './stack-cpu';
import type * as SampleImagesModule from '../local/sample-images';
import type * as LocalStackModule from '../local/stack';

// Loaded after dynalite is wrapped (countDynaliteCalls), so the stack's dynalite is the counted one.
type StackModule = typeof LocalStackModule;
type SamplesModule = typeof SampleImagesModule;

/** A Tollgate Image Verdict as the bench sees it on the bus. */
export interface SeenVerdict {
  /** performance.now() when the stand-in handed the event to the router. */
  readonly at: number;
  readonly verdict: string;
  readonly signatures: number;
  /**
   * With `stages`: when each earlier event of this image reached the bus (performance.now()), by detail-type:
   * `ECR Image Action`, `ECR Image Scan`, `Tollgate Signing Requested`.
   */
  readonly stages: Readonly<Record<string, number>>;
}

export interface BenchStack {
  readonly scanDelayMs: number;
  /** `ecr` (the registry front's referrers API, the path production takes) or `distribution` (tag schema). */
  readonly registryMode: RegistryMode;
  /**
   * Pushes a fresh single-platform image (layer, config, manifest by a new tag) into the bench repository
   * named by `slot`; resolves once the registry has answered the manifest PUT.
   */
  push(
    slot: string,
  ): Promise<{ readonly repository: string; readonly digest: string; readonly pushedAt: number }>;
  /** The first final verdict event for `digest` (past or future). */
  verdict(digest: string, timeoutMs?: number): Promise<SeenVerdict>;
  /** Calls by API since the last reset: the stand-in's (X-Amz-Target / Scheduler route), dynalite's, the registry's. */
  calls(): { readonly aws: CallCounts; readonly dynamodb: CallCounts; readonly registry: CallCounts };
  /** Resets the call counts and the functions' CPU usage. */
  resetCalls(): void;
  /** CPU of this process and of the registry's, now (bench/stack-cpu.ts). */
  stackCpu(): StackCpuSample;
  /** CPU and wall time of the functions since the last reset, by pipeline stage (local/lambda.ts FunctionUsage). */
  cpuUsage(): Readonly<Record<string, FunctionUsage>>;
  /**
   * Hands each HTTP call the functions make from now on to `listener`, by the endpoint it reached; calls to
   * anything else are left out. `undefined` stops the trace.
   */
  traceCalls(listener: ((call: TimedCall) => void) | undefined): void;
  /** One cheap round trip of each kind from this thread: GET /v2/ through the front, KMS GetPublicKey, GetItem. */
  readonly roundTrip: Readonly<Record<RoundTripKind, () => Promise<unknown>>>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The local stack of `tollgate local` (local/stack.ts), on the registry endpoint of `registryMode`: the registry
 * front (local/registry-front) every client goes through, ECR's proxyEndpoint and every function's registry call
 * included, which counts each request by route. In `distribution` mode the front is a transparent, counting proxy
 * before plain Distribution.
 */
export const startBenchStack = async (options: {
  readonly scanDelayMs: number;
  /** @default TOLLGATE_REGISTRY_MODE, else `ecr` */
  readonly registryMode?: RegistryMode;
  readonly progress?: (line: string) => void;
  /** Each registry request through the front, with its time. */
  readonly trace?: (line: string) => void;
  /**
   * Also time the events before the verdict (see SeenVerdict.stages). Reads the event log on every routed
   * event rather than on verdicts only, which a burst of thousands of events should not pay for.
   * @default false
   */
  readonly stages?: boolean;
}): Promise<BenchStack> => {
  const registryMode = options.registryMode ?? registryModeOf();
  const dynamo: DynamoCallCounter = countDynaliteCalls();
  const unmark = markMainThreadFetch();
  /* eslint-disable @typescript-eslint/no-require-imports -- after countDynaliteCalls, on purpose */
  const { startLocalStack } = require('../local/stack') as StackModule;
  const { pushSampleImage } = require('../local/sample-images') as SamplesModule;
  /* eslint-enable @typescript-eslint/no-require-imports */

  const stateDir = mkdtempSync(join(benchScratchDir(), 'tollgate-bench-'));
  const stops: (() => Promise<void>)[] = [
    () => Promise.resolve(rmSync(stateDir, { recursive: true, force: true })),
  ];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    unmark();
  };
  try {
    const verdicts = new Map<string, SeenVerdict>();
    const waiters = new Map<string, (seen: SeenVerdict) => void>();
    let cursor = 0;
    // Assigned once the stack exists; the progress hook reads it.
    let events: () => readonly {
      readonly event: { readonly 'detail-type': string; readonly detail: Readonly<Record<string, unknown>> };
    }[] = () => [];
    const stages = new Map<string, Record<string, number>>();
    const collect = (): void => {
      const at = performance.now();
      const recorded = events();
      for (; cursor < recorded.length; cursor += 1) {
        const { event } = recorded[cursor]!;
        if (event['detail-type'] !== 'Tollgate Image Verdict') {
          const detail = event.detail as { 'image-digest'?: unknown; digest?: unknown };
          const digest = detail['image-digest'] ?? detail.digest;
          if (typeof digest !== 'string') continue;
          const seen = stages.get(digest) ?? {};
          seen[event['detail-type']] ??= at;
          stages.set(digest, seen);
          continue;
        }
        const detail = event.detail as {
          verdict?: string;
          image?: { digest?: string };
          signatures?: unknown[];
        };
        const digest = detail.image?.digest;
        if (digest === undefined || verdicts.has(digest)) continue;
        const seen = {
          at,
          verdict: detail.verdict ?? '?',
          signatures: detail.signatures?.length ?? 0,
          stages: stages.get(digest) ?? {},
        };
        stages.delete(digest);
        verdicts.set(digest, seen);
        waiters.get(digest)?.(seen);
        waiters.delete(digest);
      }
    };

    const stack = await startLocalStack({
      stateDir: join(stateDir, 'stack'),
      config: {
        repositories: ['*'],
        policy: 'tollgate.policy.yaml',
        signatures: { formats: ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'] },
        // The bench measures Tollgate, not the signing budget: at the default (5 PUTs a second, shared by 5 sign
        // environments) every image after the first waits about 4 s for its tokens (docs/reconcile.md, docs/benchmarks.md).
        signing: { putImagePerSecond: 1000, concurrency: 5 },
      },
      registryMode,
      registryFront: options.trace === undefined ? {} : { trace: options.trace },
      persistTables: false,
      retryDelayMs: (attempt) => 20 * attempt,
      standIn: { scanDelayMs: options.scanDelayMs },
      progress: (line) => {
        options.progress?.(line);
        // The stack reports each routed event as it delivers it: the verdict is on the bus by then.
        if (line.startsWith(options.stages === true ? 'event ' : 'event Tollgate Image Verdict')) collect();
      },
      functionLog: () => undefined,
    });
    stops.push(stack.stop);
    events = () => stack.standIn.events();
    const front = stack.registryFront!;

    const client = stack.registryClient();
    // The stand-in's counts only grow; a reset remembers where they stood.
    let awsBaseline: CallCounts = {};
    const awsSince = (): CallCounts =>
      Object.fromEntries(
        Object.entries(stack.standIn.calls())
          .map(([api, n]) => [api, n - (awsBaseline[api] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      );
    const run = Date.now().toString(36);
    let pushes = 0;
    const kindOf = new Map<string, RoundTripKind>([
      [new URL(stack.registry.url).host, 'registry'],
      [new URL(stack.standIn.url).host, 'standIn'],
      [new URL(stack.dynamo.endpoint).host, 'dynamodb'],
    ]);
    const kms = new KMSClient({
      endpoint: stack.standIn.url,
      region: stack.environment.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stops.push(() => Promise.resolve(kms.destroy()));
    const registryAuth: Record<string, string> =
      stack.registry.credentials === undefined
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${stack.registry.credentials.username}:${stack.registry.credentials.password}`).toString('base64')}`,
          };
    const table = stack.deployment.tables[0];
    if (table === undefined) throw new Error('the template has no DynamoDB table to time GetItem on');
    return {
      scanDelayMs: options.scanDelayMs,
      registryMode,
      push: async (slot) => {
        // Spread over a pool of repositories: the stand-in answers ECR's tag lookups by listing a repository's
        // tags, so one repository holding every image would slow the stand-in (not the pipeline) per image.
        pushes += 1;
        const pushed = await pushSampleImage(client, {
          repository: `bench/r${run}-${slot}`,
          tag: `v${pushes}`,
          description: 'bench image',
          findings: [],
        });
        return { repository: pushed.repository, digest: pushed.digest, pushedAt: performance.now() };
      },
      verdict: (digest, timeoutMs = 60_000) => {
        collect();
        const seen = verdicts.get(digest);
        if (seen !== undefined) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(digest);
            reject(new Error(`no verdict for ${digest} within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.set(digest, (found) => {
            clearTimeout(timer);
            resolve(found);
          });
        });
      },
      calls: () => ({ aws: awsSince(), dynamodb: dynamo.calls(), registry: front.calls().pipeline }),
      resetCalls: () => {
        awsBaseline = stack.standIn.calls();
        front.resetCalls();
        dynamo.reset();
        stack.runtime.resetCpuUsage();
      },
      stackCpu: () => sampleStackCpu(stack.registryPid),
      cpuUsage: () => byStage(stack.runtime.cpuUsage(), (name) => stack.stageOf(name) ?? name),
      traceCalls: (listener) =>
        stack.runtime.traceCalls(
          listener === undefined
            ? undefined
            : (_, calls) => {
                for (const call of calls) {
                  const kind = kindOf.get(new URL(call.origin).host);
                  if (kind === undefined) continue;
                  listener({
                    kind,
                    startMs: call.startMs,
                    endMs: call.endMs,
                    label:
                      call.target ?? `${call.method} ${call.path.split('?')[0]!.replace(LONG_HEX, '$1…')}`,
                  });
                }
              },
        ),
      roundTrip: {
        registry: async () =>
          (await fetch(`${stack.registry.url}/v2/`, { headers: registryAuth })).arrayBuffer(),
        standIn: () => kms.send(new GetPublicKeyCommand({ KeyId: stack.signingKey!.arn })),
        dynamodb: () =>
          stack.dynamo.client.send(new GetItemCommand({ TableName: table.tableName, Key: probeKey(table) })),
      },
      idle: async () => {
        await stack.standIn.settled();
        await stack.runtime.idle();
        await stack.standIn.settled();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

/** A digest's hex, shortened to its first 12 digits in the trace's labels. */
const LONG_HEX = /([0-9a-f]{12})[0-9a-f]{52}/g;

/** Usage by stage rather than by function name (names carry the stack's prefix); same-stage functions summed. */
const byStage = (
  usage: Readonly<Record<string, FunctionUsage>>,
  stageOf: (functionName: string) => string,
): Record<string, FunctionUsage> => {
  const out: Record<string, FunctionUsage> = {};
  for (const [name, one] of Object.entries(usage)) {
    const stage = stageOf(name);
    const sum = out[stage];
    out[stage] =
      sum === undefined
        ? one
        : {
            invocations: sum.invocations + one.invocations,
            cpuMs: sum.cpuMs + one.cpuMs,
            durationMs: sum.durationMs + one.durationMs,
            billedMs: sum.billedMs + one.billedMs,
            memoryMb: Math.max(sum.memoryMb, one.memoryMb),
            coldInvocations: sum.coldInvocations + one.coldInvocations,
            coldCpuMs: sum.coldCpuMs + one.coldCpuMs,
          };
  }
  return out;
};

/** A key of `table` no item has: GetItem then reads nothing, which is the cheapest DynamoDB round trip. */
const probeKey = (table: LocalTable): Record<string, AttributeValue> =>
  Object.fromEntries(
    table.keySchema.map(({ AttributeName }) => {
      const type = table.attributeDefinitions.find((a) => a.AttributeName === AttributeName)?.AttributeType;
      return [AttributeName, type === 'N' ? { N: '0' } : { S: 'bench-probe' }];
    }),
  );
