import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createPublicKey } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../infra/constructs/tollgate-function';
import type { TollgateConfigInput } from '../shared/core/config';
import { OciRegistryClient, staticCredentials } from '../shared/adapters/oci';
import { startAwsStandIn, type AwsStandIn, type AwsStandInOptions } from './aws';
import { startDynamo, type RunningDynamo } from './dynamo';
import { LocalStackError } from './errors';
import { LocalLambdaRuntime, type LambdaActivity } from './lambda';
import { scheduleSweep, type LocalSweep } from './sweep-schedule';
import { freePort } from './ports';
import { requireRegistryBinary, startRegistry } from './registry';
import {
  registryModeOf,
  startRegistryFrontThread,
  type EcrQuirks,
  type RegistryFront,
  type RegistryMode,
} from './registry-front';
import type { ExternalRegistry } from './registry-url';
import { checkRegistry } from './registry-url';
import { watchRegistry, type RegistryWatcher } from './registry-watcher';
import { EventRouter, type RoutedEvent } from './router';
import {
  deriveDeployment,
  LOCAL_ENVIRONMENT,
  signingKeysOf,
  synthesizeTollgate,
  type CfnTemplate,
  type DeploymentEnvironment,
  type LocalDeployment,
  type PhysicalResource,
} from './template';
import { VerdictRecords, verdictTableOf } from './verdict-records';

/**
 * How long a simulated scan takes, unless the options say otherwise. Immediate: a scan that ends before
 * on-push has recorded the push is judged by on-push itself (shared/app/push), so no delay is needed to keep
 * the order AWS usually has, and push-to-verdict measures Tollgate, not a simulated wait.
 */
export const DEFAULT_SCAN_DELAY_MS = 0;

/** The pipeline stages, by the folder of their handler under functions/. */
export const PIPELINE_STAGES = ['on-push', 'on-scan', 'on-timeout', 'sign', 'notify'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export interface LocalStackOptions {
  /** Registry storage, dynalite data, KMS keys, function task roots and logs go here. */
  readonly stateDir: string;
  /**
   * The template to run. Tests hand in small stacks of their own.
   * @default the Tollgate stack, synthesized in-process from `config`
   */
  readonly template?: CfnTemplate;
  /**
   * The Tollgate configuration (what tollgate.config.yaml holds).
   * @default the file `configFile`
   */
  readonly config?: TollgateConfigInput;
  /** @default `tollgate.config.yaml` in the project root */
  readonly configFile?: string;
  /**
   * Folder the config's relative paths (the policy) are resolved from.
   * @default the config file's folder, or the project root
   */
  readonly baseDir?: string;
  /**
   * A registry that is already running. Its notifications cannot be pointed here, so it is polled.
   * @default a docker-registry started on a free loopback port
   */
  readonly registry?: ExternalRegistry;
  /**
   * Keep DynamoDB's data in the state folder across runs.
   * @default true
   */
  readonly persistTables?: boolean;
  /** @default 100 ms × attempt */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Options passed to the AWS stand-in as they are (scanning, findings, faults). */
  readonly standIn?: Partial<
    Pick<
      AwsStandInOptions,
      'scanning' | 'findingsFile' | 'faults' | 'scanEvents' | 'scanDelayMs' | 'now' | 'secrets' | 'eventLoss'
    >
  >;
  /** One line of progress: events seen, handlers run. @default discarded */
  readonly progress?: (line: string) => void;
  /**
   * One line a function logged.
   * @default appended to `<stateDir>/logs/<function>.log`
   */
  readonly functionLog?: (functionName: string, line: string) => void;
  /** How often `--registry` is polled. @default 500 */
  readonly pollIntervalMs?: number;
  /** @default LOCAL_ENVIRONMENT */
  readonly environment?: DeploymentEnvironment;
  /**
   * Puts something between the functions and DynamoDB or the registry (the reliability tests' fault proxy):
   * given the real URL, returns the one the functions are told. The stand-in and the harness stay direct.
   * For the registry, the URL given is the registry endpoint: the ECR front in `ecr` mode.
   * @default direct
   */
  readonly front?: (service: 'dynamodb' | 'registry', url: string) => Promise<string>;
  /**
   * `ecr`: every client (the functions, the stand-in, the harness) reaches the registry through the registry
   * front (local/registry-front), which serves what ECR serves over it: the referrers API, `OCI-Subject`,
   * ECR's refusals. `distribution`: plain Distribution 2.8, so signing takes the referrers tag-schema fallback.
   * @default TOLLGATE_REGISTRY_MODE, else `ecr`
   */
  readonly registryMode?: RegistryMode;
  /**
   * Options of the registry front: ECR quirks to turn off, a trace of each request. Given in `distribution`
   * mode, a front is started anyway, without the referrers API: a transparent proxy that counts (the bench).
   * @default in `ecr` mode the front with every ECR quirk; in `distribution` mode no front
   */
  readonly registryFront?: {
    readonly quirks?: Partial<EcrQuirks>;
    readonly trace?: (line: string) => void;
  };
  /**
   * Run the sweep as its schedule does: every interval of the template's rate() schedule, first `firstRunAfterMs`
   * after the start (without it, the caller starts the first run with `sweep.run()`). Off, the sweep runs only when
   * invoked (Lambda Invoke, `tollgate backfill`, tests).
   * @default off
   */
  readonly sweep?: { readonly firstRunAfterMs?: number };
}

export interface LocalRegistryInfo {
  /** `host:port`, the host part of image references. */
  readonly host: string;
  readonly url: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Whether `tollgate local` started it (and its notifications reach the stand-in). */
  readonly managed: boolean;
  readonly mode: RegistryMode;
  /** The Distribution registry behind the front, when `host` and `url` name the front. */
  readonly storage?: { readonly host: string; readonly url: string };
}

export interface LocalStack {
  readonly stateDir: string;
  readonly environment: DeploymentEnvironment;
  readonly registry: LocalRegistryInfo;
  /** The registry front every client goes through: in `ecr` mode, or when `registryFront` was given. */
  readonly registryFront: RegistryFront | undefined;
  /** The sweep on its schedule, when `sweep` was asked for and the template has one. */
  readonly sweep: LocalSweep | undefined;
  readonly standIn: AwsStandIn;
  readonly dynamo: RunningDynamo;
  readonly deployment: LocalDeployment;
  readonly runtime: LocalLambdaRuntime;
  readonly verdicts: VerdictRecords;
  /** Every event routed so far, with the targets it reached. */
  readonly routed: readonly RoutedEvent[];
  /** The signing key the template declares, created in the stand-in. */
  readonly signingKey?: { readonly arn: string; readonly alias?: string };
  /** Which pipeline stages the template has a runnable function for. */
  readonly stageBuilt: (stage: PipelineStage) => boolean;
  /** The stage a function (by name) implements, from its handler's folder under functions/. */
  readonly stageOf: (functionName: string) => PipelineStage | undefined;
  /** An OCI client for the registry, with its credentials. */
  readonly registryClient: () => OciRegistryClient;
  /** The signing key's public half as PEM, from the stand-in's KMS GetPublicKey. */
  readonly publicKeyPem: () => Promise<string>;
  /** For `--registry`: poll now instead of waiting for the next interval. No-op for the managed registry. */
  readonly pollRegistry: () => Promise<void>;
  /** The process id of the registry this stack started; `undefined` with `--registry URL`. */
  readonly registryPid: number | undefined;
  /** Stops everything this stack started: the registry process, workers, servers. Safe to call twice. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts the whole local deployment: the OCI registry, DynamoDB on dynalite, the AWS stand-in, and the
 * functions of the synthesized template, routed by the template's own rules. Used by `tollgate local`
 * and by the e2e harness (test/e2e/harness.ts). On a failure part-way, what was started is stopped again.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const environment = options.environment ?? LOCAL_ENVIRONMENT;
  const progress = options.progress ?? (() => undefined);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => progress(`stopping: ${(error as Error).message}`));
    }
  };

  try {
    // Check and synthesize before starting anything: a missing binary, an unreachable registry or a bad
    // configuration fails fast, with nothing to clean up.
    const external = options.registry;
    const mode = options.registryMode ?? registryModeOf();
    if (external !== undefined) await checkRegistry(external);
    else requireRegistryBinary();
    if (mode === 'ecr' && external?.protocol === 'https') {
      throw new LocalStackError(
        `the registry front speaks plain HTTP to the registry behind it, and ${external.url} is HTTPS`,
        'run with TOLLGATE_REGISTRY_MODE=distribution to use it directly',
      );
    }
    const template = options.template ?? synthesize(options, environment);

    const logs = functionLogSink(options, stateDir);
    stops.push(logs.close);

    // The stand-in needs the registry's URL and the registry the stand-in's: the registry's port is
    // chosen first, and the registry started last, with notifications pointing at the stand-in. The front
    // before it only forwards, so it starts now.
    const registryPort = external === undefined ? await freePort() : undefined;
    const storage =
      external === undefined
        ? { host: `127.0.0.1:${registryPort}`, url: `http://127.0.0.1:${registryPort}` }
        : { host: external.host, url: external.url };
    let registryFront: RegistryFront | undefined;
    if (mode === 'ecr' || options.registryFront !== undefined) {
      const trace = options.registryFront?.trace;
      const quirks = options.registryFront?.quirks;
      // In a thread of its own: it is in every client's path, the main thread's synchronous ones included.
      registryFront = await startRegistryFrontThread({
        target: storage.url,
        ...(trace === undefined ? {} : { trace }),
        ...(mode === 'ecr'
          ? {
              referrers: {
                // With the registry's storage, so the two are kept (or wiped) together.
                journalFile: join(
                  stateDir,
                  external === undefined ? 'registry' : 'registry-front',
                  'referrers.jsonl',
                ),
                ...(external?.credentials === undefined ? {} : { credentials: external.credentials }),
                ...(quirks === undefined ? {} : { quirks }),
              },
            }
          : {}),
      });
      const front = registryFront;
      stops.push(() => front.stop());
      progress(
        `registry front on ${registryFront.url} before ${storage.url}${mode === 'ecr' ? ': the referrers API, OCI-Subject and ECR’s refusals' : ' (counting only)'}`,
      );
    }
    const registry: LocalRegistryInfo = {
      host: registryFront?.host ?? storage.host,
      url: registryFront?.url ?? storage.url,
      managed: external === undefined,
      mode,
      ...(registryFront === undefined ? {} : { storage }),
      ...(external?.credentials === undefined ? {} : { credentials: external.credentials }),
    };

    const dynamo = await startDynamo({
      region: environment.region,
      ...(options.persistTables === false ? {} : { dataDir: join(stateDir, 'dynamodb') }),
    });
    stops.push(dynamo.stop);

    // Events can arrive before the router exists (a scan finishing during start-up): they wait here.
    let router: EventRouter | undefined = undefined;
    const early: (() => void)[] = [];
    const routed: RoutedEvent[] = [];
    const onEvent = (busName: string, event: unknown): void => {
      const deliver = (): void => {
        const result = router!.route(busName, event);
        routed.push(result);
        progress(describeRouted(result));
      };
      if (router === undefined) early.push(deliver);
      else deliver();
    };

    // Set once the runtime exists; an Invoke before that finds no function.
    const invocable: { runtime?: LocalLambdaRuntime } = {};
    const standIn = await startAwsStandIn({
      stateDir: join(stateDir, 'aws'),
      registry: {
        url: registry.url,
        ...(registry.storage === undefined ? {} : { readUrl: registry.storage.url }),
        ...(registry.credentials === undefined ? {} : { credentials: registry.credentials }),
        ...(options.front === undefined ? {} : { publicUrl: await options.front('registry', registry.url) }),
      },
      region: environment.region,
      accountId: environment.accountId,
      eventBuses: deploymentBuses(template),
      log: (line) => progress(`[aws] ${line}`),
      scanDelayMs: DEFAULT_SCAN_DELAY_MS,
      ...options.standIn,
      onEvent,
      // `tollgate backfill` (and any Lambda client) invoking a function of the deployment.
      onInvoke: async (name, payload, type) => {
        const runtime = invocable.runtime;
        if (runtime?.find(name) === undefined) return { kind: 'not-found' };
        if (type === 'DryRun') return { kind: 'accepted' };
        if (type === 'Event') {
          void runtime.invokeAsync(name, payload);
          return { kind: 'accepted' };
        }
        const outcome = await runtime.invoke(name, payload);
        return outcome.ok
          ? { kind: 'result', payload: outcome.result }
          : {
              kind: 'function-error',
              errorType: outcome.error.errorType,
              errorMessage: outcome.error.errorMessage,
            };
      },
      onSchedule: ({ name, targetArn, input }) => {
        if (router === undefined) return;
        const target = router.schedule(targetArn, input);
        progress(`schedule ${name} fired → ${target.functionName ?? `${targetArn} (${target.delivery})`}`);
      },
    });
    stops.push(() => standIn.stop());

    const provided: Record<string, PhysicalResource> = {};
    let signingKey: { arn: string; alias?: string } | undefined;
    for (const key of signingKeysOf(template)) {
      const created = await standIn.kms.createSigningKey(key.alias ?? `alias/${key.logicalId}`);
      provided[key.logicalId] = {
        ref: created.keyId,
        attributes: { Arn: created.arn, KeyId: created.keyId },
      };
      signingKey ??= { arn: created.arn, ...(key.alias === undefined ? {} : { alias: key.alias }) };
    }
    const deployment = deriveDeployment(template, environment, provided);
    for (const note of deployment.notes) progress(note);
    await dynamo.createTables(deployment.tables);

    const runtime = new LocalLambdaRuntime(deployment.functions, {
      projectRoot: PROJECT_ROOT,
      taskRootDir: join(stateDir, 'lambda'),
      environment: {
        // Every other service goes to the stand-in too, which refuses what it does not model with
        // UnknownOperationException: a handler can never reach real AWS from a local run.
        AWS_ENDPOINT_URL: standIn.url,
        ...standIn.endpointEnv(),
        AWS_ENDPOINT_URL_DYNAMODB:
          options.front === undefined ? dynamo.endpoint : await options.front('dynamodb', dynamo.endpoint),
      },
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      onActivity: (activity) => progress(describeActivity(activity)),
      onLog: logs.write,
    });
    stops.push(() => runtime.stop());
    invocable.runtime = runtime;
    router = new EventRouter(deployment, runtime, {
      log: progress,
      apiDestinations: {
        ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
        // A connection's `{{resolve:secretsmanager:…}}`, from the stand-in's secrets, as CloudFormation resolves it.
        secrets: (name) => options.standIn?.secrets?.[name],
      },
    });
    for (const deliver of early.splice(0)) deliver();

    let watcher: RegistryWatcher | undefined;
    let registryPid: number | undefined;
    if (external === undefined) {
      const managed = await startRegistry({
        stateDir: join(stateDir, 'registry'),
        port: registryPort!,
        notificationsUrl: standIn.notificationsUrl,
      });
      stops.push(managed.stop);
      registryPid = managed.pid;
    } else {
      watcher = await watchRegistry({
        registry: external,
        intervalMs: options.pollIntervalMs ?? 500,
        onPush: (push) => {
          progress(`registry watcher: ${push.repository}:${push.tag} → ${push.digest}`);
          // The same path a registry notification takes: ECR Image Action, then scan on push.
          void standIn.ecr
            .observePush(push)
            .catch((error: unknown) =>
              progress(`could not announce ${push.repository}:${push.tag}: ${(error as Error).message}`),
            );
        },
        onError: (error) => progress(`registry watcher: ${(error as Error).message}`),
      });
      stops.push(watcher.stop);
    }

    const sweep =
      options.sweep === undefined
        ? undefined
        : scheduleSweep(deployment, template, runtime, {
            ...(options.sweep.firstRunAfterMs === undefined
              ? {}
              : { firstRunAfterMs: options.sweep.firstRunAfterMs }),
            log: progress,
          });
    if (sweep !== undefined) stops.push(() => Promise.resolve(sweep.stop()));

    const stages = new Map<string, PipelineStage>();
    for (const fn of deployment.functions) {
      const stage = /^functions\/([^/]+)\//.exec(fn.entry ?? '')?.[1];
      if (PIPELINE_STAGES.includes(stage as PipelineStage))
        stages.set(fn.functionName, stage as PipelineStage);
    }
    const built = new Set(stages.values());
    let stopped: Promise<void> | undefined;
    return {
      stateDir,
      environment,
      registry,
      registryPid,
      registryFront,
      sweep,
      standIn,
      dynamo,
      deployment,
      runtime,
      verdicts: new VerdictRecords(dynamo.client, verdictTableOf(deployment)),
      routed,
      ...(signingKey === undefined ? {} : { signingKey }),
      stageBuilt: (stage) => built.has(stage),
      stageOf: (functionName) => stages.get(functionName),
      registryClient: () =>
        new OciRegistryClient({
          host: registry.host,
          protocol: new URL(registry.url).protocol === 'https:' ? 'https' : 'http',
          ...(registry.credentials === undefined
            ? {}
            : { credentials: staticCredentials(registry.credentials) }),
        }),
      publicKeyPem: async () => {
        if (signingKey === undefined) throw new Error('the template declares no signing key');
        // Through the KMS API (GetPublicKey), as a verifier in AWS would fetch it.
        const kms = new KMSClient({
          endpoint: standIn.url,
          region: environment.region,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        try {
          const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: signingKey.arn }));
          if (PublicKey === undefined) throw new Error('GetPublicKey returned no key');
          return createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' })
            .export({ format: 'pem', type: 'spki' })
            .toString();
        } finally {
          kms.destroy();
        }
      },
      pollRegistry: () => watcher?.poll() ?? Promise.resolve(),
      stop: () => (stopped ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

/** The custom buses of the template; PutEvents to any other is refused, as in AWS. */
const deploymentBuses = (template: CfnTemplate): string[] =>
  Object.values(template.Resources ?? {})
    .filter((resource) => resource.Type === 'AWS::Events::EventBus')
    .map((resource) => resource.Properties?.Name)
    .filter((name): name is string => typeof name === 'string');

const synthesize = (options: LocalStackOptions, environment: DeploymentEnvironment): CfnTemplate => {
  if (options.config !== undefined) {
    return synthesizeTollgate({
      config: options.config,
      baseDir: options.baseDir ?? PROJECT_ROOT,
      env: environment,
    });
  }
  const file = resolve(options.configFile ?? join(PROJECT_ROOT, 'tollgate.config.yaml'));
  let config: TollgateConfigInput;
  try {
    config = parseYaml(readFileSync(file, 'utf8'), { schema: 'core' }) as TollgateConfigInput;
  } catch (error) {
    throw new LocalStackError(
      `cannot read the configuration ${file}: ${(error as Error).message}`,
      'pass --config FILE',
      {
        cause: error,
      },
    );
  }
  return synthesizeTollgate({ config, baseDir: options.baseDir ?? resolve(file, '..'), env: environment });
};

const functionLogSink = (
  options: LocalStackOptions,
  stateDir: string,
): { readonly write: (functionName: string, line: string) => void; readonly close: () => Promise<void> } => {
  if (options.functionLog !== undefined)
    return { write: options.functionLog, close: () => Promise.resolve() };
  const dir = join(stateDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const streams = new Map<string, WriteStream>();
  return {
    write: (functionName, line) => {
      let stream = streams.get(functionName);
      if (stream === undefined) {
        stream = createWriteStream(join(dir, `${functionName}.log`), { flags: 'a' });
        streams.set(functionName, stream);
      }
      stream.write(`${line}\n`);
    },
    close: async () => {
      await Promise.all([...streams.values()].map((stream) => new Promise((done) => stream.end(done))));
    },
  };
};

const describeRouted = ({ busName, event, targets }: RoutedEvent): string => {
  const envelope = event as { 'detail-type'?: string; detail?: Record<string, unknown> };
  const detail = envelope.detail ?? {};
  const image =
    detail['repository-name'] ?? (detail.image as { repository?: unknown } | undefined)?.repository;
  const digest = detail['image-digest'] ?? (detail.image as { digest?: unknown } | undefined)?.digest;
  const subject =
    typeof image === 'string'
      ? ` ${image}${typeof digest === 'string' ? `@${digest.slice(7, 19)}` : ''}`
      : '';
  const where = targets.length === 0 ? 'no rule matched' : targets.map(describeTarget).join(', ');
  return `event ${envelope['detail-type'] ?? '?'} on ${busName}${subject} → ${where}`;
};

const describeTarget = (target: RoutedEvent['targets'][number]): string => {
  switch (target.delivery) {
    case 'invoked':
      return target.functionName!;
    case 'not-built':
      return `${target.rule} (function not built)`;
    case 'not-a-function':
      return `${target.rule} (target not run locally)`;
    case 'api-destination':
      return `${target.rule} (API destination)`;
  }
};

const describeActivity = (activity: LambdaActivity): string => {
  switch (activity.kind) {
    case 'start':
      return `  ${activity.functionName} started${activity.attempt > 1 ? ` (attempt ${activity.attempt})` : ''}`;
    case 'success':
      return `  ${activity.functionName} done in ${activity.durationMs} ms → ${brief(activity.result)}`;
    case 'failure':
      return `  ${activity.functionName} failed: ${activity.error.errorType}: ${activity.error.errorMessage}${activity.willRetry ? ' (Lambda retries)' : ''}`;
    case 'dead-letter':
      return `  ${activity.deadLetter.functionName} gave up after ${activity.deadLetter.record.requestContext.approximateInvokeCount} attempts → dead letter ${activity.deadLetter.destination ?? '(no destination: discarded)'}`;
  }
};

/** A handler's result, cut to one short line: progress, not a record. */
const brief = (result: unknown): string => {
  const text = JSON.stringify(result) ?? 'undefined';
  return text.length <= 100 ? text : `${text.slice(0, 99)}…`;
};
