import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  type DescribeImagesCommandInput,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import {
  InvokeCommand,
  LambdaClient,
  TooManyRequestsException,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Digest, ImageRecord, ImageRef, SignatureRef } from '../../../shared/core/domain';
import type { ReconcileReport } from '../../../shared/app/reconcile';
import type { ReconcileRequest } from '../../../shared/core/events/reconcile-request';
import { loadConfigFile } from '../../../infra/config-file';
import { main } from '../../../cli/main';
import { createBackfillCommand, type BackfillDeps } from '../../../cli/commands/backfill';
import type { ReconcileInvocation, ReconcileInvoker } from '../../../cli/commands/backfill-invoker';
import { approvedVerdict, recordFor, VerdictTable, verdictFor } from '../../doubles';
import { runCommand } from './run-command';

const NOW = Date.parse('2026-06-10T12:00:00.000Z');
const ago = (hours: number): Date => new Date(NOW - hours * 3_600_000);
const DAY = 24;
const digest = (n: number): Digest => `sha256:${n.toString(16).padStart(64, '0')}` as Digest;
const TABLE = 'tollgate-verdicts';
const FUNCTION = 'tollgate-reconcile';

const ecr = mockClient(ECRClient);
const documents = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);

interface Image {
  readonly n: number;
  readonly tags?: string[];
  readonly pushedHoursAgo: number;
  readonly scannedHoursAgo?: number;
  /** The record the table holds, as `recordFor` overrides, or a whole record. */
  readonly record?: (image: ImageRef) => Partial<ImageRecord> | ImageRecord;
}

let policyDigest: string;
const signedAll = (image: ImageRef): SignatureRef[] => [
  { format: 'cosign-legacy', reference: `r/${image.repository}:x.sig@${digest(9)}` },
  { format: 'sigstore-bundle', reference: `r/${image.repository}@${digest(8)}` },
  { format: 'vuln-attestation', reference: `r/${image.repository}@${digest(7)}` },
];
const approvedNow = (scannedHoursAgo: number) => (image: ImageRef) => {
  const verdict = approvedVerdict(image, ago(scannedHoursAgo).toISOString());
  return { verdict: { ...verdict, policyDigest }, signatures: signedAll(image) };
};

/** Recorded, its scan not yet judged, since `hours` ago. */
const pending = (image: ImageRef, hours: number): ImageRecord => {
  const { verdict: _verdict, ...record } = recordFor(image, {
    status: 'PENDING_SCAN',
    updatedAt: ago(hours).toISOString(),
  });
  return record;
};

/**
 * The registry: team/a holds one image of each kind the sweep tells apart, team/b two pages of pending and
 * unrecorded images, other/c is not covered by the config. DescribeRepositories lists them over two pages.
 */
const REGISTRY: Record<string, Image[][]> = {
  'team/a': [
    [
      { n: 1, tags: ['v1'], pushedHoursAgo: 2 * DAY },
      { n: 2, tags: ['v2'], pushedHoursAgo: 3 * DAY, scannedHoursAgo: 1, record: approvedNow(1) },
      {
        n: 3,
        tags: ['v3'],
        pushedHoursAgo: 3 * DAY,
        scannedHoursAgo: 1,
        record: (image) => ({ signatures: signedAll(image), verdict: verdictFor(image, 'APPROVED') }),
      },
      { n: 4, pushedHoursAgo: 200 * DAY },
      { n: 5, tags: [`sha256-${'ab'.repeat(32)}.sig`], pushedHoursAgo: DAY },
      {
        n: 6,
        tags: ['v6'],
        pushedHoursAgo: 20 * DAY,
        scannedHoursAgo: 10 * DAY,
        record: approvedNow(10 * DAY),
      },
      { n: 7, tags: ['v7'], pushedHoursAgo: 20 * DAY, scannedHoursAgo: 1, record: approvedNow(3 * DAY) },
      {
        n: 8,
        tags: ['v8'],
        pushedHoursAgo: 3 * DAY,
        scannedHoursAgo: 1,
        record: (image) => ({ ...approvedNow(1)(image), signatures: [] }),
      },
    ],
  ],
  'team/b': [
    [
      {
        n: 11,
        tags: ['b1'],
        pushedHoursAgo: 0.1,
        record: (image) => pending(image, 0.05),
      },
      {
        n: 12,
        tags: ['b2'],
        pushedHoursAgo: 3,
        record: (image) => pending(image, 2),
      },
    ],
    [{ n: 13, tags: ['b3'], pushedHoursAgo: 0.1 }],
  ],
  'other/c': [[{ n: 21, tags: ['c1'], pushedHoursAgo: 1 }]],
};

const detail = (image: Image): ImageDetail => ({
  imageDigest: digest(image.n),
  imageTags: image.tags ?? [],
  imagePushedAt: ago(image.pushedHoursAgo),
  ...(image.scannedHoursAgo === undefined
    ? {}
    : { imageScanFindingsSummary: { imageScanCompletedAt: ago(image.scannedHoursAgo) } }),
});

const serveRegistry = (): void => {
  ecr.on(DescribeRepositoriesCommand).callsFake((input: { nextToken?: string }) =>
    input.nextToken === undefined
      ? {
          repositories: [{ repositoryName: 'team/a' }, { repositoryName: 'other/c' }],
          nextToken: 'repos-2',
        }
      : { repositories: [{ repositoryName: 'team/b' }] },
  );
  ecr.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    const pages = REGISTRY[input.repositoryName!]!;
    const index = input.nextToken === undefined ? 0 : Number(input.nextToken);
    return {
      imageDetails: pages[index]!.map(detail),
      ...(index + 1 < pages.length ? { nextToken: String(index + 1) } : {}),
    };
  });
  ecr.on(GetRegistryScanningConfigurationCommand).resolves({
    scanningConfiguration: {
      scanType: 'BASIC',
      rules: [
        { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
      ],
    },
  });
};

const seedTable = (table: VerdictTable): void => {
  for (const [repository, pages] of Object.entries(REGISTRY)) {
    for (const image of pages.flat()) {
      const ref: ImageRef = { registry: 'r', repository, digest: digest(image.n) };
      const record = image.record?.(ref);
      if (record !== undefined)
        table.seed(
          'version' in record && 'image' in record ? (record as ImageRecord) : recordFor(ref, record),
        );
    }
  }
};

interface DryRunJson {
  scope: { tagged: boolean; maxAgeDays: number; pulledWithinDays: number };
  narrowedTo?: string[];
  repositoriesSwept: number;
  images: number;
  actions: Record<string, number>;
  byRepository: Record<string, { images: number; actions: Record<string, number> }>;
  withoutVerdict: number;
  signing: { images: number; seconds: number; sweepSeconds: number; putImagePerSecond: number };
}

const report = (overrides: Partial<ReconcileReport>): ReconcileReport => ({
  passStartedAt: new Date(NOW).toISOString(),
  complete: false,
  repositories: 1,
  images: 0,
  actions: {},
  byRepository: {},
  withoutVerdict: 0,
  refreshed: 0,
  signingQueued: 0,
  ...overrides,
});

describe('tollgate backfill', () => {
  let dir: string;
  let config: string;
  let clock: number;
  let sleeps: number[];

  const deps = (overrides: Partial<BackfillDeps> = {}): Partial<BackfillDeps> => ({
    clock: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    env: () => ({ TOLLGATE_TABLE_NAME: TABLE, TOLLGATE_RECONCILE_FUNCTION: FUNCTION }),
    ...overrides,
  });
  const backfill = (argv: string[], overrides: Partial<BackfillDeps> = {}) =>
    runCommand(createBackfillCommand(deps(overrides)), ['--config', config, ...argv]);
  const dryRun = async (...argv: string[]) => {
    const output = await backfill(['--dry-run', '--json', ...argv]);
    return { ...output, parsed: output.code === 0 ? (JSON.parse(output.stdout) as DryRunJson) : undefined };
  };

  /** A fake reconcile function: answers each invocation from `answers`, a minute per run. */
  const fakeInvoker = (answers: ReconcileInvocation[]) => {
    const requests: { functionName: string; request: ReconcileRequest }[] = [];
    const invoker: ReconcileInvoker = {
      invoke: (functionName, request) => {
        requests.push({ functionName, request });
        const answer = answers.shift();
        if (answer === undefined) throw new Error('invoked once too often');
        clock += 60_000;
        return Promise.resolve(answer);
      },
    };
    return { invoker, requests };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-backfill-'));
    writeFileSync(join(dir, 'policy.yaml'), readFileSync('tollgate.policy.yaml'));
    config = join(dir, 'config.yaml');
    writeFileSync(config, "repositories: ['team/*']\npolicy: policy.yaml\n");
    policyDigest = loadConfigFile(config).policy.digest;
    clock = NOW;
    sleeps = [];
    ecr.reset();
    documents.reset();
    lambda.reset();
    serveRegistry();
    seedTable(new VerdictTable().serve(documents));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('--dry-run', () => {
    it('counts, per repository, what the sweep would do, and estimates the signing time', async () => {
      const { code, parsed, stderr } = await dryRun();
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(parsed!.byRepository).toEqual({
        'team/a': {
          images: 8,
          actions: {
            record: 1,
            current: 1,
            rejudge: 1,
            'out-of-scope': 1,
            attachment: 1,
            rescan: 1,
            refresh: 1,
            announce: 1,
          },
        },
        'team/b': { images: 3, actions: { pending: 1, timeout: 1, record: 1 } },
      });
      expect(parsed!.repositoriesSwept).toBe(2);
      expect(parsed!.images).toBe(11);
      // b2 pending past the scan timeout, and a1 pushed two days ago with no record: what the events missed.
      expect(parsed!.withoutVerdict).toBe(2);
      // record 2 + rejudge 1 + refresh 1 + announce 1, four manifest PUTs each, at 5 per second (2.5 for the sweep).
      expect(parsed!.signing).toEqual({ images: 5, seconds: 4, sweepSeconds: 8, putImagePerSecond: 5 });
      expect(parsed!.scope).toEqual({ tagged: true, maxAgeDays: 90, pulledWithinDays: 30 });
    });

    it('changes nothing: reads only, and never reads or writes the sweep cursor', async () => {
      await dryRun();
      const ecrCalls = ecr.calls().map((call) => (call.args[0] as object).constructor.name);
      expect(new Set(ecrCalls)).toEqual(
        new Set([
          'DescribeRepositoriesCommand',
          'DescribeImagesCommand',
          'GetRegistryScanningConfigurationCommand',
        ]),
      );
      const tableCalls = documents.calls().map((call) => call.args[0] as GetCommand);
      expect(tableCalls.every((call) => call instanceof GetCommand)).toBe(true);
      expect(tableCalls.map((call) => String(call.input.Key?.pk))).not.toContain('reconcile#cursor');
      expect(tableCalls.every((call) => call.input.TableName === TABLE)).toBe(true);
      // other/c is not covered: its images are never even listed.
      expect(
        ecr.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input.repositoryName),
      ).toEqual(['team/a', 'team/b', 'team/b']);
      expect(lambda.calls()).toHaveLength(0);
    });

    it('prints a table per repository, the totals and the estimate', async () => {
      const { code, stdout } = await backfill(['--dry-run']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^DRY RUN: nothing was changed\. .* over 2 repositories$/m);
      const header = stdout.split('\n').find((line) => line.startsWith('REPOSITORY'))!;
      expect(header.split(/ +/)).toEqual([
        'REPOSITORY',
        'IMAGES',
        'RECORD',
        'REJUDGE',
        'REFRESH',
        'RESCAN',
        'TIMEOUT',
        'ANNOUNCE',
        'CURRENT',
        'PENDING',
        'OUT-OF-SCOPE',
        'ATTACHMENT',
      ]);
      const row = (name: string) =>
        stdout
          .split('\n')
          .find((line) => line.startsWith(`${name} `))!
          .split(/ +/)
          .slice(1)
          .map(Number);
      expect(row('team/a')).toEqual([8, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1]);
      expect(row('team/b')).toEqual([3, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
      expect(row('TOTAL')).toEqual([11, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
      expect(stdout).toContain(
        'Signing: at most 5 image(s) (record + rejudge + refresh + announce, those approved), about 4s at signing.putImagePerSecond 5',
      );
      expect(stdout).toContain('no final verdict past the scan timeout (scanTimeoutMinutes 30): 2.');
    });

    it('--since widens the age the scope takes', async () => {
      const { parsed } = await dryRun('--since', '365d');
      expect(parsed!.scope.maxAgeDays).toBe(365);
      // a4, untagged and pushed 200 days ago, is now in scope and unrecorded.
      expect(parsed!.byRepository['team/a']!.actions).toMatchObject({ record: 2 });
      expect(parsed!.byRepository['team/a']!.actions['out-of-scope']).toBeUndefined();
      const weeks = await dryRun('--since', '30w');
      expect(weeks.parsed!.scope.maxAgeDays).toBe(210);
    });

    it('--repositories narrows the covered repositories and never widens past the config', async () => {
      const narrowed = await dryRun('--repositories', 'team/b');
      expect(Object.keys(narrowed.parsed!.byRepository)).toEqual(['team/b']);
      expect(narrowed.parsed!.narrowedTo).toEqual(['team/b']);

      // Every repository, or one outside the config: still only what the config covers.
      const everything = await dryRun('--repositories', '*');
      expect(Object.keys(everything.parsed!.byRepository)).toEqual(['team/a', 'team/b']);
      const outside = await dryRun('--repositories', 'other/*');
      expect(outside.parsed!.byRepository).toEqual({});
      expect(outside.parsed!.images).toBe(0);

      // Several, after the flag or comma-separated.
      const several = await dryRun('--repositories', 'team/a', 'other/c,team/b');
      expect(several.parsed!.narrowedTo).toEqual(['team/a', 'other/c', 'team/b']);
      expect(Object.keys(several.parsed!.byRepository)).toEqual(['team/a', 'team/b']);
    });

    it('exits 2 naming the stack output when no table is given', async () => {
      const { code, stderr } = await backfill(['--dry-run'], { env: () => ({}) });
      expect(code).toBe(2);
      expect(stderr).toContain(
        '--table NAME is required (or TOLLGATE_TABLE_NAME): the verdict table, stack output VerdictTableName',
      );
    });

    it('exits 2 with the AWS error when the registry cannot be listed', async () => {
      ecr
        .on(DescribeRepositoriesCommand)
        .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
      const { code, stderr } = await backfill(['--dry-run']);
      expect(code).toBe(2);
      expect(stderr).toContain(
        `listing the registry and the verdict table ${TABLE}: AccessDeniedException: not authorized`,
      );
    });
  });

  describe('the deployed sweep', () => {
    it('invokes the function until its pass is complete, with progress after each run', async () => {
      const passStartedAt = new Date(NOW + 1000).toISOString();
      const { invoker, requests } = fakeInvoker([
        {
          kind: 'report',
          report: report({
            passStartedAt,
            stoppedBy: 'budget',
            images: 300,
            actions: { record: 200, current: 100 },
            byRepository: { 'team/a': { images: 300, actions: { record: 200, current: 100 } } },
            signingQueued: 5,
          }),
        },
        {
          kind: 'report',
          report: report({
            passStartedAt,
            stoppedBy: 'signing-cap',
            images: 250,
            actions: { record: 250 },
            byRepository: {
              'team/a': { images: 50, actions: { record: 50 } },
              'team/b': { images: 200, actions: { record: 200 } },
            },
            signingQueued: 10,
          }),
        },
        {
          kind: 'report',
          report: report({
            passStartedAt,
            complete: true,
            images: 40,
            actions: { current: 40 },
            byRepository: { 'team/b': { images: 40, actions: { current: 40 } } },
            refreshed: 2,
            withoutVerdict: 3,
          }),
        },
      ]);
      const { code, stdout, stderr } = await backfill(
        ['--json', '--since', '180d', '--repositories', 'team/*'],
        {
          invoker: () => invoker,
        },
      );
      expect(code).toBe(0);
      expect(requests).toHaveLength(3);
      for (const { functionName, request } of requests) {
        expect(functionName).toBe(FUNCTION);
        expect(request).toEqual({
          trigger: 'backfill',
          scope: { tagged: true, maxAgeDays: 180, pulledWithinDays: 30 },
          repositories: ['team/*'],
        });
      }
      const lines = stderr.trimEnd().split('\n');
      expect(lines.filter((line) => /^tollgate backfill: run \d/.test(line))).toEqual([
        'tollgate backfill: run 1 (1m00s, 300 images): stopped (budget); 300 images so far (record 200, current 100); 1 run(s), 1m00s elapsed',
        'tollgate backfill: run 2 (1m00s, 250 images): stopped (signing-cap); 550 images so far (record 450, current 100); 2 run(s), 2m00s elapsed',
        'tollgate backfill: run 3 (1m00s, 40 images): pass complete; 590 images so far (record 450, current 140); 3 run(s), 3m16s elapsed',
      ]);
      expect(stderr).toContain('stopped by its budget (reconcile.maxApiCallsPerRun 5000 API calls');
      // 10 queued × 4 PUTs at the sweep's 2.5 PUTs per second: 16 s before the next run.
      expect(stderr).toContain('stopped by the signing cap: 10 signing request(s) queued');
      expect(stderr).toContain('waiting 16s for the signer before the next run (Ctrl-C is safe)');
      expect(sleeps).toEqual([16_000]);

      const summary = JSON.parse(stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({
        dryRun: false,
        complete: true,
        runs: 3,
        passStartedAt,
        images: 590,
        actions: { record: 450, current: 140 },
        byRepository: {
          'team/a': { images: 350, actions: { record: 250, current: 100 } },
          'team/b': { images: 240, actions: { record: 200, current: 40 } },
        },
        refreshed: 2,
        withoutVerdict: 3,
        signingQueued: 15,
      });
    });

    it('goes on with a pass of its own after finishing one the schedule began', async () => {
      const { invoker, requests } = fakeInvoker([
        {
          kind: 'report',
          report: report({ passStartedAt: ago(2).toISOString(), complete: true, images: 5 }),
        },
        {
          kind: 'report',
          report: report({ passStartedAt: new Date(NOW + 61_000).toISOString(), complete: true, images: 9 }),
        },
      ]);
      const { code, stdout, stderr } = await backfill([], { invoker: () => invoker });
      expect(code).toBe(0);
      expect(requests).toHaveLength(2);
      expect(stderr).toContain("before this backfill, with the schedule's scope: starting a pass of its own");
      expect(stdout).toMatch(/^BACKFILL COMPLETE {2}2 run\(s\)/);
    });

    it('exits 2 with the FunctionError, saying the work so far is kept', async () => {
      const { invoker } = fakeInvoker([
        { kind: 'report', report: report({ stoppedBy: 'budget', images: 10 }) },
        { kind: 'function-error', message: 'Unhandled: Error: DynamoDB is down' },
      ]);
      const { code, stdout, stderr } = await backfill([], { invoker: () => invoker });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        'tollgate backfill: the reconcile function failed after 1 complete run(s): Unhandled: Error: DynamoDB is down',
      );
      expect(stderr).toContain('the cursor is in the table: tollgate backfill again goes on from there');
    });

    it('drives the function through the SDK: RequestResponse, FunctionError, a busy sweep', async () => {
      const body = (value: unknown) =>
        new Uint8Array(Buffer.from(JSON.stringify(value))) as NonNullable<InvokeCommandOutput['Payload']>;
      lambda
        .on(InvokeCommand)
        .rejectsOnce(new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {} }))
        .resolvesOnce({ StatusCode: 200, Payload: body(report({ stoppedBy: 'budget', images: 7 })) })
        .resolvesOnce({
          StatusCode: 200,
          FunctionError: 'Unhandled',
          Payload: body({
            errorType: 'Sandbox.Timedout',
            errorMessage: 'Task timed out after 900.00 seconds',
          }),
        });
      const { code, stderr } = await backfill([]);
      expect(code).toBe(2);
      const calls = lambda.commandCalls(InvokeCommand);
      expect(calls).toHaveLength(3);
      const input = calls[0]!.args[0].input;
      expect(input).toMatchObject({ FunctionName: FUNCTION, InvocationType: 'RequestResponse' });
      expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({
        trigger: 'backfill',
        scope: { tagged: true, maxAgeDays: 90, pulledWithinDays: 30 },
      });
      expect(stderr).toContain(
        'another run of the sweep is in progress (TooManyRequestsException: Rate Exceeded.): trying again in 30s',
      );
      expect(sleeps).toEqual([30_000]);
      expect(stderr).toContain(
        'failed after 1 complete run(s): Unhandled: Sandbox.Timedout: Task timed out after 900.00 seconds',
      );
    });

    it('refuses an answer that is not a reconcile report (exit 2)', async () => {
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        Payload: new Uint8Array(Buffer.from('{"kind":"malformed"}')) as NonNullable<
          InvokeCommandOutput['Payload']
        >,
      });
      const { code, stderr } = await backfill([]);
      expect(code).toBe(2);
      expect(stderr).toContain('refused the backfill request as malformed');
    });

    it('exits 2 naming the stack output when no function is given', async () => {
      const { code, stderr } = await backfill([], { env: () => ({}) });
      expect(code).toBe(2);
      expect(stderr).toContain(
        '--function NAME is required (or TOLLGATE_RECONCILE_FUNCTION): the reconcile function, stack output ReconcileFunctionName',
      );
      expect(lambda.calls()).toHaveLength(0);
    });
  });

  describe('bad arguments (exit 2, nothing called)', () => {
    it.each([
      [['--since', 'banana'], '--since: "banana" is not a duration'],
      [['--since', '11000d'], '--since: at most 3650d'],
      [['--repositories', 'Team/A'], '--repositories "Team/A": expected a repository name or glob'],
      [['team/a'], 'unexpected argument "team/a"'],
      [['--dry-run', '--frobnicate'], "Unknown option '--frobnicate'"],
    ])('%j', async (argv, message) => {
      const { code, stdout, stderr } = await backfill(argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(stderr).toContain('Usage: tollgate backfill');
      expect(ecr.calls()).toHaveLength(0);
      expect(lambda.calls()).toHaveLength(0);
    });

    it('reports an invalid or missing config with its path', async () => {
      const missing = await runCommand(createBackfillCommand(deps()), [
        '--dry-run',
        '--config',
        join(dir, 'nope.yaml'),
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`${join(dir, 'nope.yaml')} does not exist`);
      writeFileSync(
        config,
        "repositories: ['team/*']\npolicy: policy.yaml\nsigning:\n  putImagePerSecond: 0\n",
      );
      const invalid = await backfill(['--dry-run']);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('signing.putImagePerSecond');
    });
  });

  it('is listed in help, and its help says Ctrl-C is safe', async () => {
    let stdout = '';
    const io = { stdout: (text: string) => (stdout += text), stderr: () => undefined };
    expect(await main(['--help'], io)).toBe(0);
    expect(stdout).toMatch(/^ {2}backfill +judge and sign what is already in the registry/m);
    stdout = '';
    expect(await main(['backfill', '--help'], io)).toBe(0);
    expect(stdout).toContain("Ctrl-C is safe at any time: the sweep's cursor is in the verdict table");
    expect(stdout).toContain('ReconcileFunctionName');
  });
});
