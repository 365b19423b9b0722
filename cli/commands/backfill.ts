import { parseCommandArgs } from '../args';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamodb';
import { EcrRegistryInventory, SdkEcrControl } from '../../shared/adapters/aws/ecr';
import { InvalidDurationError } from '../../shared/core/gate/errors';
import { parseDuration } from '../../shared/core/gate/duration';
import { reconcileRequestSchema, type ReconcileRequest } from '../../shared/core/events/reconcile-request';
import { DEFAULT_CONFIG_FILE, type ResolvedSettings } from '../../infra/config-file';
import type { ReconcileCursorStore } from '../../shared/app/ports/reconcile-cursor';
import {
  reconcile,
  sweepSettings,
  signingSeconds,
  SWEEP_SHARE,
  type ReconcileActionKind,
  type ReconcileReport,
  type ReconcileScope,
  type RepositoryCounts,
} from '../../shared/app/reconcile';
import { EXIT, UsageError, type CliIo, type Command } from '../command';
import { lambdaInvoker, type ReconcileInvoker } from './backfill-invoker';
import {
  loadSettings,
  reconcileFunctionName,
  sdkMessage,
  SettingsFileError,
  STACK_ENV,
  verdictTableName,
  type Environment,
} from './stack-options';

const USAGE = `Usage: tollgate backfill [--since 90d] [--repositories GLOB...] [--dry-run] [--config FILE]
                         [--table NAME] [--function NAME] [--json]

For the first install (and whenever events may have been lost): brings every covered image to the state the
event path would have left it in. Images no event brought are recorded and judged, decisions of another policy
are judged again, approvals with an old attestation and a newer scan are re-attested, in-use images under basic
scanning are scanned again. The deployed sweep does the work, with its budget, cursor and idempotency keys.

  --since DURATION        act on images pushed within DURATION, e.g. 90d, 26w, 365d (whole days, at most
                          3650d; default: the config's reconcile.scope.maxAgeDays). The rest of the scope
                          stays as configured: tagged images (reconcile.scope.tagged) and those pulled within
                          reconcile.scope.pulledWithinDays are in scope whatever their age
  --repositories GLOB...  only these repositories, and only those the config covers: a glob can narrow the
                          config's repositories, never widen them. Repeat the flag, separate with commas, or
                          list several after it (default: every covered repository)
  --dry-run               change nothing: run the sweep's planning with your AWS credentials (ECR
                          DescribeRepositories, DescribeImages, GetRegistryScanningConfiguration; DynamoDB
                          GetItem on the verdict table) and list what would be judged, judged again,
                          re-attested, rescanned and left alone, per repository, with the time signing takes
  --config FILE           the configuration the stack was deployed from: repositories, reconcile.scope,
                          policy, scanTimeoutMinutes, signing.putImagePerSecond (default: ${DEFAULT_CONFIG_FILE})
  --table NAME            --dry-run: the verdict table, stack output VerdictTableName
                          (default: $${STACK_ENV.table})
  --function NAME         the reconcile function, stack output ReconcileFunctionName
                          (default: $${STACK_ENV.reconcileFunction}); not used with --dry-run
  --json                  print the summary as JSON on stdout; progress stays on stderr

Without --dry-run the reconcile function is invoked (lambda:InvokeFunction, RequestResponse) with
{"trigger":"backfill", scope, repositories}, again and again until its pass is complete. Each run stays within
its budget of API calls and time and queues at most what its share (${SWEEP_SHARE * 100}%) of signing.putImagePerSecond signs
in reconcile.intervalMinutes; after a run stopped by that cap, the next waits until the signer has caught up,
so the teams' own pushes keep the rest of ECR's PutImage quota. Progress is printed on stderr after each run.

Ctrl-C is safe at any time: the sweep's cursor is in the verdict table, every action is idempotent, a run
already started finishes on its own, and the next tollgate backfill (or the next scheduled sweep) goes on from
where it stopped.

AWS endpoints: AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_LAMBDA are honoured, as by
every AWS SDK (tollgate local: docs/cli-reconcile.md).

Exit status: 0 done (or, with --dry-run, listed), 2 error (bad argument, invalid config, an AWS call refused,
the function failed: its FunctionError).`;

/** The adapters of one run. Tests pass mocked SDK clients, a fake invoker and a clock that does not wait. */
export interface BackfillDeps {
  readonly ecr: () => ECRClient;
  readonly dynamodb: () => DynamoDBClient;
  readonly invoker: () => ReconcileInvoker;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds, for elapsed times. */
  readonly clock: () => number;
  readonly env: () => Environment;
}

export const defaultBackfillDeps: BackfillDeps = {
  ecr: () => new ECRClient({}),
  dynamodb: () => new DynamoDBClient({}),
  invoker: () => lambdaInvoker(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  clock: () => Date.now(),
  env: () => process.env,
};

export const createBackfillCommand = (deps: Partial<BackfillDeps> = {}): Command => ({
  name: 'backfill',
  summary: 'judge and sign what is already in the registry (first install), through the deployed sweep',
  usage: USAGE,
  run: (argv, io) => run(argv, io, { ...defaultBackfillDeps, ...deps }),
});

export const backfillCommand = createBackfillCommand();

interface BackfillOptions {
  readonly sinceDays?: number;
  readonly repositories?: readonly string[];
  readonly dryRun: boolean;
  readonly config: string;
  readonly table?: string;
  readonly function?: string;
  readonly json: boolean;
}

const DAY_MS = 86_400_000;
const MAX_DAYS = 3650;
/** How long to wait for a run of the sweep already in progress (the scheduled one), and how often to ask. */
const BUSY_RETRY_MS = 30_000;
const BUSY_ATTEMPTS = 40;
/** Runs in a row that saw no image before the loop gives up: a budget too small to get anywhere. */
const MAX_IDLE_RUNS = 20;
/** A pass that began this much before the first invocation is one the schedule began, not this backfill. */
const CLOCK_SLACK_MS = 60_000;

const ACTION_COLUMNS: readonly ReconcileActionKind[] = [
  'record',
  'rejudge',
  'refresh',
  'rescan',
  'timeout',
  'announce',
  'current',
  'pending',
  'out-of-scope',
  'attachment',
];

const run = async (argv: readonly string[], io: CliIo, deps: BackfillDeps): Promise<number> => {
  const options = parseOptions(argv);
  let settings: ResolvedSettings;
  try {
    settings = loadSettings(options.config);
  } catch (error) {
    if (!(error instanceof SettingsFileError)) throw error;
    io.stderr(`tollgate backfill: ${error.message}\n`);
    return EXIT.ERROR;
  }
  const scope: ReconcileScope = {
    ...settings.config.reconcile.scope,
    ...(options.sinceDays === undefined ? {} : { maxAgeDays: options.sinceDays }),
  };
  const request = backfillRequest(scope, options.repositories);
  const env = deps.env();
  const context: RunContext = { options, settings, request, io, deps, env };
  return options.dryRun ? dryRun(context) : invokeUntilComplete(context);
};

interface RunContext {
  readonly options: BackfillOptions;
  readonly settings: ResolvedSettings;
  readonly request: ReconcileRequest;
  readonly io: CliIo;
  readonly deps: BackfillDeps;
  readonly env: Environment;
}

/** The request the function gets, checked by its own schema, so the dry run refuses what the function would. */
const backfillRequest = (
  scope: ReconcileScope,
  repositories: readonly string[] | undefined,
): ReconcileRequest => {
  const parsed = reconcileRequestSchema.safeParse({
    trigger: 'backfill',
    scope,
    ...(repositories === undefined ? {} : { repositories }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === 'repositories' ? '--repositories' : issue?.path.join('.');
    const value =
      issue?.path[0] === 'repositories' ? ` ${JSON.stringify(repositories?.[Number(issue.path[1])])}` : '';
    throw new UsageError(`${field}${value}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
};

/** A cursor that is never there and never kept: a dry run lists the whole pass and leaves the sweep's cursor be. */
const NO_CURSOR: ReconcileCursorStore = {
  load: () => Promise.resolve(undefined),
  save: () => Promise.resolve(),
};

const refuse = (what: string) => (): Promise<never> =>
  Promise.reject(new Error(`a dry run does not ${what}`));

const dryRun = async ({ options, settings, request, io, deps, env }: RunContext): Promise<number> => {
  const tableName = verdictTableName(options.table, env);
  const { config, policy } = settings;
  const ecr = deps.ecr();
  const started = deps.clock();
  let report: ReconcileReport;
  try {
    report = await reconcile(
      {
        inventory: new EcrRegistryInventory(ecr),
        cursor: NO_CURSOR,
        store: new DynamoVerdictStore({ client: DynamoDBDocumentClient.from(deps.dynamodb()), tableName }),
        settings: sweepSettings(config, policy),
        scanning: () => new SdkEcrControl(ecr).scanningConfiguration(),
        // Planning only: every action is refused, so a slip can never act.
        push: refuse('record images'),
        reattest: refuse('re-attest'),
        judge: refuse('judge'),
        timeout: refuse('time out scans'),
        rejudge: refuse('judge again'),
        rescan: refuse('start scans'),
        announce: refuse('announce'),
        exhausted: () => false,
        now: () => new Date(deps.clock()),
      },
      {
        dryRun: true,
        ...(request.scope === undefined ? {} : { scope: request.scope }),
        ...repositoriesOf(request),
      },
    );
  } catch (error) {
    throw new Error(`listing the registry and the verdict table ${tableName}: ${sdkMessage(error)}`, {
      cause: error,
    });
  }
  const summary = dryRunSummary(report, settings, request, deps.clock() - started);
  io.stdout(options.json ? `${JSON.stringify(summary, null, 2)}\n` : dryRunText(summary, settings));
  return EXIT.OK;
};

const repositoriesOf = (request: ReconcileRequest): { repositories?: readonly string[] } =>
  request.repositories === undefined ? {} : { repositories: request.repositories };

interface Estimate {
  /** Images that may be signed: judged for the first time or again, re-attested, or announced again. */
  readonly images: number;
  /** Seconds at the whole signing budget. */
  readonly seconds: number;
  /** Seconds at the sweep's share of it, which is what a backfill may take. */
  readonly sweepSeconds: number;
  readonly putImagePerSecond: number;
}

const estimate = (actions: ReconcileReport['actions'], putImagePerSecond: number): Estimate => {
  // An upper bound: only those approved are signed (an announcement again signs an approval lacking signatures).
  const images =
    (actions.record ?? 0) + (actions.rejudge ?? 0) + (actions.refresh ?? 0) + (actions.announce ?? 0);
  return {
    images,
    seconds: signingSeconds(images, putImagePerSecond),
    sweepSeconds: signingSeconds(images, putImagePerSecond * SWEEP_SHARE),
    putImagePerSecond,
  };
};

const dryRunSummary = (
  report: ReconcileReport,
  settings: ResolvedSettings,
  request: ReconcileRequest,
  elapsedMs: number,
): Record<string, unknown> => ({
  dryRun: true,
  scope: request.scope,
  repositories: settings.config.repositories,
  ...(request.repositories === undefined ? {} : { narrowedTo: request.repositories }),
  policyDigest: settings.policy.digest,
  repositoriesSwept: report.repositories,
  images: report.images,
  actions: report.actions,
  byRepository: report.byRepository,
  withoutVerdict: report.withoutVerdict,
  signing: estimate(report.actions, settings.config.signing.putImagePerSecond),
  elapsedSeconds: Math.round(elapsedMs / 1000),
});

const dryRunText = (summary: Record<string, unknown>, settings: ResolvedSettings): string => {
  const byRepository = summary.byRepository as Readonly<Record<string, RepositoryCounts>>;
  const actions = summary.actions as ReconcileReport['actions'];
  const signing = summary.signing as Estimate;
  const narrowed = summary.narrowedTo as readonly string[] | undefined;
  const lines = [
    `DRY RUN: nothing was changed. What tollgate backfill would do now, over ${summary.repositoriesSwept as number} repositories`,
    `  covered: ${settings.config.repositories.join(', ')}${narrowed === undefined ? '' : `; narrowed to ${narrowed.join(', ')}`}`,
    `  scope:   ${describeScope(summary.scope as ReconcileScope)}`,
    `  policy:  ${settings.policy.digest}`,
    '',
    ...countsTable(byRepository, summary.images as number, actions),
    '',
    ...LEGEND,
    '',
    `Signing: at most ${count(signing.images)} image(s) (record + rejudge + refresh + announce, those approved), about ${formatSeconds(signing.seconds)} at signing.putImagePerSecond ${signing.putImagePerSecond} (4 manifest PUTs each); a backfill takes the sweep's share (${SWEEP_SHARE * 100}%) of it: about ${formatSeconds(signing.sweepSeconds)}.`,
  ];
  const without = summary.withoutVerdict as number;
  if (without > 0) {
    lines.push(
      `Covered images with no final verdict past the scan timeout (scanTimeoutMinutes ${settings.config.scanTimeoutMinutes}): ${count(without)}.`,
    );
  }
  lines.push('Run it: tollgate backfill (the same flags, without --dry-run).');
  return `${lines.join('\n')}\n`;
};

const LEGEND = [
  'record: judged for the first time · rejudge: judged again under the deployed policy · refresh: re-attested',
  'from a newer scan · rescan: basic scan started again · timeout: pending past the scan timeout, settled as the',
  'timeout would · announce: a decision announced again (its event never went out, or an approval lacks',
  'signatures) · left alone: current, pending (its scan is under way), out-of-scope (counted only), attachment',
  '(signatures and other artifacts, never judged)',
];

const describeScope = (scope: ReconcileScope): string =>
  [
    ...(scope.tagged ? ['tagged images'] : []),
    `images pushed within ${scope.maxAgeDays} days`,
    `images pulled within ${scope.pulledWithinDays} days`,
  ].join(', or ');

const countsTable = (
  byRepository: Readonly<Record<string, RepositoryCounts>>,
  images: number,
  actions: ReconcileReport['actions'],
): string[] => {
  const header = ['REPOSITORY', 'IMAGES', ...ACTION_COLUMNS.map((kind) => kind.toUpperCase())];
  const row = (name: string, counts: RepositoryCounts): string[] => [
    name,
    count(counts.images),
    ...ACTION_COLUMNS.map((kind) => count(counts.actions[kind] ?? 0)),
  ];
  const rows = Object.entries(byRepository)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, counts]) => row(name, counts));
  rows.push(row('TOTAL', { images, actions }));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((cells) => cells[column]!.length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
};

interface Totals {
  images: number;
  repositories: number;
  actions: Partial<Record<ReconcileActionKind, number>>;
  byRepository: Record<string, { images: number; actions: Partial<Record<ReconcileActionKind, number>> }>;
  withoutVerdict: number;
  refreshed: number;
  signingQueued: number;
}

const addRun = (totals: Totals, report: ReconcileReport): void => {
  totals.images += report.images;
  totals.repositories += report.repositories;
  totals.withoutVerdict += report.withoutVerdict;
  totals.refreshed += report.refreshed;
  totals.signingQueued += report.signingQueued;
  addActions(totals.actions, report.actions);
  for (const [name, counts] of Object.entries(report.byRepository)) {
    const into = (totals.byRepository[name] ??= { images: 0, actions: {} });
    into.images += counts.images;
    addActions(into.actions, counts.actions);
  }
};

const addActions = (
  into: Partial<Record<ReconcileActionKind, number>>,
  from: ReconcileReport['actions'],
): void => {
  for (const [kind, n] of Object.entries(from) as [ReconcileActionKind, number][]) {
    into[kind] = (into[kind] ?? 0) + n;
  }
};

const invokeUntilComplete = async ({
  options,
  settings,
  request,
  io,
  deps,
  env,
}: RunContext): Promise<number> => {
  const functionName = reconcileFunctionName(options.function, env);
  const invoker = deps.invoker();
  const progress = (line: string): void => io.stderr(`tollgate backfill: ${line}\n`);
  const started = deps.clock();
  const { putImagePerSecond } = settings.config.signing;
  const totals: Totals = {
    images: 0,
    repositories: 0,
    actions: {},
    byRepository: {},
    withoutVerdict: 0,
    refreshed: 0,
    signingQueued: 0,
  };
  let runs = 0;
  let busy = 0;
  let idle = 0;
  let ownPassStill: boolean | undefined;
  let last: ReconcileReport | undefined;
  progress(
    `invoking ${functionName} until its pass is complete (Ctrl-C is safe: the cursor is in the table)`,
  );
  for (;;) {
    const invokedAt = deps.clock();
    const outcome = await invoker.invoke(functionName, request);
    if (outcome.kind === 'busy') {
      busy += 1;
      if (busy >= BUSY_ATTEMPTS) {
        throw new Error(
          `${functionName} stayed busy for ${formatSeconds((BUSY_ATTEMPTS * BUSY_RETRY_MS) / 1000)} (${outcome.message}): another run of the sweep holds it; try again later`,
        );
      }
      progress(
        `another run of the sweep is in progress (${outcome.message}): trying again in ${formatSeconds(BUSY_RETRY_MS / 1000)}`,
      );
      await deps.sleep(BUSY_RETRY_MS);
      continue;
    }
    busy = 0;
    if (outcome.kind === 'function-error') {
      io.stderr(
        `tollgate backfill: the reconcile function failed after ${runs} complete run(s): ${outcome.message}\n` +
          `  what the earlier runs did is kept, and the cursor is in the table: tollgate backfill again goes on from there\n`,
      );
      return EXIT.ERROR;
    }
    const report = outcome.report;
    last = report;
    runs += 1;
    addRun(totals, report);
    // The first run may go on with a pass the schedule began under its own, narrower scope: the repositories
    // before its cursor were seen with that scope only, so a pass of the backfill's own follows.
    ownPassStill ??= Date.parse(report.passStartedAt) < invokedAt - CLOCK_SLACK_MS;
    idle = report.images === 0 && !report.complete ? idle + 1 : 0;
    progress(progressLine(runs, report, totals, deps.clock() - started, invokedAt, deps.clock()));
    if (report.complete) {
      if (ownPassStill) {
        ownPassStill = false;
        progress(
          `that pass began at ${report.passStartedAt}, before this backfill, with the schedule's scope: starting a pass of its own so every covered repository is seen with this scope`,
        );
        continue;
      }
      break;
    }
    if (idle >= MAX_IDLE_RUNS) {
      throw new Error(
        `${runs} runs, the last ${idle} without reaching a single image: the function's budget (reconcile.maxApiCallsPerRun, its timeout) is too small to make progress`,
      );
    }
    if (report.stoppedBy === 'signing-cap') {
      const waitSeconds = signingSeconds(report.signingQueued, putImagePerSecond * SWEEP_SHARE);
      progress(
        `  stopped by the signing cap: ${count(report.signingQueued)} signing request(s) queued, what ${SWEEP_SHARE * 100}% of signing.putImagePerSecond (${putImagePerSecond}) signs in reconcile.intervalMinutes (${settings.config.reconcile.intervalMinutes}); waiting ${formatSeconds(waitSeconds)} for the signer before the next run (Ctrl-C is safe)`,
      );
      await deps.sleep(waitSeconds * 1000);
    } else {
      progress(
        `  stopped by its budget (reconcile.maxApiCallsPerRun ${settings.config.reconcile.maxApiCallsPerRun} API calls, or the function's time): the next run goes on from the cursor`,
      );
    }
  }
  const elapsedMs = deps.clock() - started;
  if (last === undefined) throw new Error('unreachable: the loop ends after a complete run');
  const summary = {
    dryRun: false,
    complete: true,
    runs,
    elapsedSeconds: Math.round(elapsedMs / 1000),
    passStartedAt: last.passStartedAt,
    scope: request.scope,
    repositories: settings.config.repositories,
    ...(request.repositories === undefined ? {} : { narrowedTo: request.repositories }),
    images: totals.images,
    actions: totals.actions,
    byRepository: totals.byRepository,
    withoutVerdict: totals.withoutVerdict,
    refreshed: totals.refreshed,
    signingQueued: totals.signingQueued,
    signing: estimate({ record: totals.signingQueued }, putImagePerSecond),
  };
  io.stdout(
    options.json ? `${JSON.stringify(summary, null, 2)}\n` : doneText(summary, totals, settings, elapsedMs),
  );
  return EXIT.OK;
};

const progressLine = (
  runs: number,
  report: ReconcileReport,
  totals: Totals,
  elapsedMs: number,
  invokedAt: number,
  now: number,
): string => {
  const actions = ACTION_COLUMNS.filter((kind) => (totals.actions[kind] ?? 0) > 0)
    .map((kind) => `${kind} ${count(totals.actions[kind] ?? 0)}`)
    .join(', ');
  const state = report.complete ? 'pass complete' : `stopped (${report.stoppedBy ?? 'budget'})`;
  return (
    `run ${runs} (${formatSeconds((now - invokedAt) / 1000)}, ${count(report.images)} images): ${state}; ` +
    `${count(totals.images)} images so far${actions === '' ? '' : ` (${actions})`}; ` +
    `${runs} run(s), ${formatSeconds(elapsedMs / 1000)} elapsed`
  );
};

const doneText = (
  summary: { runs: number; passStartedAt: string; signing: Estimate },
  totals: Totals,
  settings: ResolvedSettings,
  elapsedMs: number,
): string => {
  const lines = [
    `BACKFILL COMPLETE  ${summary.runs} run(s), ${formatSeconds(elapsedMs / 1000)} (pass started ${summary.passStartedAt})`,
    '',
    ...countsTable(totals.byRepository, totals.images, totals.actions),
    '',
    ...LEGEND,
    '',
    `Re-attested: ${count(totals.refreshed)}. Signing requests queued: ${count(totals.signingQueued)}; the signer works through them at signing.putImagePerSecond ${settings.config.signing.putImagePerSecond}: about ${formatSeconds(summary.signing.seconds)}.`,
  ];
  if (totals.withoutVerdict > 0) {
    lines.push(
      `Covered images that had no final verdict past the scan timeout: ${count(totals.withoutVerdict)} (each is being dealt with).`,
    );
  }
  lines.push(
    'Check one image with tollgate status IMAGE; then admit with an audit-mode policy first (tollgate policy ... --mode audit).',
  );
  return `${lines.join('\n')}\n`;
};

const count = (n: number): string => n.toLocaleString('en-US');

/** `45s`, `3m05s`, `2h10m`: an elapsed or estimated time. */
export const formatSeconds = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

const parseOptions = (argv: readonly string[]): BackfillOptions => {
  const parsed = parseCommandArgs(
    argv,
    {
      since: { type: 'string' },
      repositories: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      config: { type: 'string' },
      table: { type: 'string' },
      function: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const { values, positionals } = parsed;
  // `--repositories a b c`: the globs after the first arrive as positionals.
  if (positionals.length > 0 && values.repositories === undefined) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const repositories =
    values.repositories === undefined
      ? undefined
      : [...values.repositories, ...positionals]
          .flatMap((value) => value.split(','))
          .map((glob) => glob.trim())
          .filter((glob) => glob !== '');
  if (repositories !== undefined && repositories.length === 0) {
    throw new UsageError('--repositories: give at least one repository name or glob');
  }
  return {
    ...(values.since === undefined ? {} : { sinceDays: parseSince(values.since) }),
    ...(repositories === undefined ? {} : { repositories }),
    dryRun: values['dry-run'],
    config: values.config ?? DEFAULT_CONFIG_FILE,
    ...(values.table === undefined ? {} : { table: values.table }),
    ...(values.function === undefined ? {} : { function: values.function }),
    json: values.json,
  };
};

const parseSince = (text: string): number => {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    if (error instanceof InvalidDurationError) throw new UsageError(`--since: ${error.message}`);
    throw error;
  }
  const days = Math.ceil(ms / DAY_MS);
  if (days > MAX_DAYS) throw new UsageError(`--since: at most ${MAX_DAYS}d, not ${JSON.stringify(text)}`);
  return days;
};
