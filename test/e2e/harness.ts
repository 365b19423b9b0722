import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { TollgateConfigInput } from '../../shared/core/config';
import type { AwsFaults, AwsStandInOptions, RecordedEvent, SimulatedFinding } from '../../local/aws';
import type { ExternalRegistry } from '../../local/registry-url';
import { pushSampleImage, type PushedSample } from '../../local/sample-images';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import type { CfnTemplate, DeploymentEnvironment } from '../../local/template';
import { LOCAL_ENVIRONMENT } from '../../local/template';
import type { VerdictRecordView } from '../../local/verdict-records';
import { sweepFunction } from '../../local/sweep-schedule';
import type { ReconcileReport } from '../../shared/app/reconcile';

export interface LocalStackHarnessOptions {
  /**
   * Merged over the harness defaults (`repositories: ['*']`, the repository's policy).
   * @default the defaults
   */
  readonly config?: Partial<TollgateConfigInput>;
  /**
   * The policy document (YAML), written to the state folder and named by the config.
   * @default tollgate.policy.yaml of the repository
   */
  readonly policy?: string;
  /**
   * Run this template instead of the Tollgate stack (small test stacks). Built with the harness's
   * deployment environment, so ARNs in it match the stand-in's account and region.
   */
  readonly template?: (environment: DeploymentEnvironment) => CfnTemplate;
  readonly faults?: AwsFaults;
  readonly scanning?: AwsStandInOptions['scanning'];
  readonly findingsFile?: string;
  /** False loses every scan event (the scan-timeout path). @default true */
  readonly scanEvents?: boolean;
  /** @default 500: enough to keep the push → scan order AWS has, short enough for tests */
  readonly scanDelayMs?: number;
  /** A registry already running, polled instead of notifying. @default a docker-registry of its own */
  readonly registry?: ExternalRegistry;
  /** @default 20 ms × attempt */
  readonly retryDelayMs?: (attempt: number) => number;
  /** See LocalStackOptions.front (a fault proxy before DynamoDB and the registry). */
  readonly front?: LocalStackOptions['front'];
  /** Secrets Manager's secrets in the stand-in, by name (alert receivers' tokens). @default none */
  readonly secrets?: AwsStandInOptions['secrets'];
  /** ECR and Inspector events the stand-in loses (AWS delivers them best-effort). @default none */
  readonly eventLoss?: AwsStandInOptions['eventLoss'];
  /** The stand-in's clock: push and scan times. @default the system clock */
  readonly now?: () => Date;
  /**
   * Run over this state folder (registry storage, tables, keys) and leave it when stopped: a second harness over
   * it is the same deployment started again, with another policy say. @default a fresh folder, removed on stop
   */
  readonly stateDir?: string;
  /** See LocalStackOptions.registryMode. @default TOLLGATE_REGISTRY_MODE, else `ecr` */
  readonly registryMode?: LocalStackOptions['registryMode'];
}

export interface LocalStackHarness {
  readonly stack: LocalStack;
  readonly stateDir: string;
  /** `host:port` of the registry, as in image references. */
  readonly registryHost: string;
  /** Every progress line so far (events routed, handlers run, stand-in notes). */
  readonly log: readonly string[];
  /** Builds a small OCI image in code, optionally with simulated findings, and pushes it by tag. */
  pushImage(
    repository: string,
    options?: { readonly tag?: string; readonly findings?: readonly SimulatedFinding[] },
  ): Promise<PushedSample>;
  /** PutEvents through the real SDK against the stand-in. Returns the event id. */
  putEvent(entry: {
    readonly bus?: string;
    readonly source: string;
    readonly detailType: string;
    readonly detail: Record<string, unknown>;
  }): Promise<string>;
  /** The first recorded event (any bus, past or future) that `predicate` accepts. */
  awaitEvent(predicate: (recorded: RecordedEvent) => boolean, timeoutMs?: number): Promise<RecordedEvent>;
  /** The verdict record of `repository@digest` once `predicate` accepts it (by default: DECIDED). */
  awaitRecord(
    repository: string,
    digest: string,
    predicate?: (record: VerdictRecordView) => boolean,
    timeoutMs?: number,
  ): Promise<VerdictRecordView>;
  /** Resolves when no invocation, event delivery or scan is in flight. */
  idle(): Promise<void>;
  /** One run of the sweep (functions/reconcile), invoked as its schedule would, then waited out (`idle`). */
  sweep(request?: Record<string, unknown>): Promise<ReconcileReport>;
  stop(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Starts the same local deployment `tollgate local` runs (local/stack.ts), in a fresh state folder, for
 * one test file: `beforeAll(() => (h = await startLocalStackHarness()))`, `afterAll(() => h.stop())`.
 * Progress is kept in `log`; set TOLLGATE_E2E_VERBOSE=1 to see it as it happens.
 */
export const startLocalStackHarness = async (
  options: LocalStackHarnessOptions = {},
): Promise<LocalStackHarness> => {
  const keepState = options.stateDir !== undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
  const log: string[] = [];
  const verbose = process.env.TOLLGATE_E2E_VERBOSE === '1';
  const progress = (line: string): void => {
    log.push(line);
    if (verbose) process.stderr.write(`${line}\n`);
  };
  let config: TollgateConfigInput | undefined;
  if (options.template === undefined) {
    const policyFile = options.policy === undefined ? undefined : join(stateDir, 'tollgate.policy.yaml');
    if (policyFile !== undefined) writeFileSync(policyFile, options.policy!);
    config = {
      repositories: ['*'],
      policy: policyFile ?? 'tollgate.policy.yaml',
      ...options.config,
    };
  }
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      stateDir,
      ...(config === undefined ? {} : { config }),
      ...(options.template === undefined ? {} : { template: options.template(LOCAL_ENVIRONMENT) }),
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.front === undefined ? {} : { front: options.front }),
      ...(options.registryMode === undefined ? {} : { registryMode: options.registryMode }),
      persistTables: keepState,
      retryDelayMs: options.retryDelayMs ?? ((attempt) => 20 * attempt),
      pollIntervalMs: 200,
      progress,
      functionLog: (functionName, line) => progress(`[${functionName}] ${line}`),
      standIn: {
        scanDelayMs: options.scanDelayMs ?? 500,
        ...(options.faults === undefined ? {} : { faults: options.faults }),
        ...(options.scanning === undefined ? {} : { scanning: options.scanning }),
        ...(options.findingsFile === undefined ? {} : { findingsFile: options.findingsFile }),
        ...(options.scanEvents === undefined ? {} : { scanEvents: options.scanEvents }),
        ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
        ...(options.eventLoss === undefined ? {} : { eventLoss: options.eventLoss }),
        ...(options.now === undefined ? {} : { now: options.now }),
      },
    });
  } catch (error) {
    if (!keepState) rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }

  const events = new EventBridgeClient({
    endpoint: stack.standIn.url,
    region: stack.environment.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  const poll = async <T>(
    what: string,
    timeoutMs: number,
    probe: () => Promise<T | undefined>,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}\n--- local stack log ---\n${log.slice(-60).join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const idle = async (): Promise<void> => {
    await stack.standIn.settled();
    await stack.runtime.idle();
    await stack.standIn.settled();
  };

  let stopped = false;
  return {
    stack,
    stateDir,
    registryHost: stack.registry.host,
    log,
    pushImage: async (repository, pushOptions = {}) => {
      const pushed = await pushSampleImage(stack.registryClient(), {
        repository,
        tag: pushOptions.tag ?? 'v1',
        description: 'test image',
        findings: pushOptions.findings ?? [],
      });
      await stack.pollRegistry();
      return pushed;
    },
    putEvent: async ({ bus, source, detailType, detail }) => {
      const result = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
              ...(bus === undefined ? {} : { EventBusName: bus }),
            },
          ],
        }),
      );
      const entry = result.Entries?.[0];
      if (entry?.EventId === undefined)
        throw new Error(`PutEvents refused the entry: ${JSON.stringify(entry)}`);
      return entry.EventId;
    },
    awaitEvent: (predicate, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      poll('an event', timeoutMs, () => Promise.resolve(stack.standIn.events().find(predicate))),
    awaitRecord: (
      repository,
      digest,
      predicate = (record) => record.status === 'DECIDED',
      timeoutMs = DEFAULT_TIMEOUT_MS,
    ) =>
      poll(`the record of ${repository}@${digest}`, timeoutMs, async () => {
        const record = await stack.verdicts.read(repository, digest);
        return record !== undefined && predicate(record) ? record : undefined;
      }),
    idle,
    sweep: async (request = { trigger: 'schedule' }) => {
      const fn = sweepFunction(stack.deployment);
      if (fn === undefined) throw new Error('the template has no sweep (functions/reconcile/handler.ts)');
      const outcome = await stack.runtime.invoke(fn.logicalId, request);
      if (!outcome.ok) throw new Error(`the sweep failed: ${JSON.stringify(outcome.error)}`);
      await idle();
      return outcome.result as ReconcileReport;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      events.destroy();
      await stack.stop();
      if (!keepState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
};
