import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, type CliIo, type Command } from '../command';
import { ValidationError, errorVerdict, imageKey, type ImageRef } from '../../shared/core/domain';
import { parseEventTime } from '../../shared/core/events';
import { parseScanFindings, type ScanFindings } from '../../shared/core/findings';
import {
  evaluateDetailed,
  parsePolicy,
  type EvaluatedVerdict,
  type ExpiredException,
  type LoadedPolicy,
  type StaleException,
} from '../../shared/core/policy';

const USAGE = `Usage: tollgate evaluate --findings FILE --policy FILE [--repository NAME] [--now ISO-8601] [--json]

Judges a saved ECR scan against a policy, as the gate would.

  --findings FILE     output of \`aws ecr describe-image-scan-findings\` (or the SDK's response saved
                      as JSON), one page or a JSON array of pages
  --policy FILE       the policy (YAML or JSON), format in docs/policy.md
  --repository NAME   judge as this repository (default: repositoryName in the findings file)
  --now ISO-8601      judge as of this time, e.g. 2027-02-01 or 2027-02-01T12:00:00Z (default: now)
  --json              print the verdict as JSON

Exit status: 0 approved (warn mode included), 1 rejected, 2 error (unreadable or invalid file, ERROR verdict).`;

interface EvaluateOptions {
  readonly findingsFile: string;
  readonly policyFile: string;
  readonly repository?: string;
  readonly now: Date;
  readonly json: boolean;
}

/** What the command prints, in either form. */
interface EvaluateResult {
  readonly verdict: EvaluatedVerdict;
  readonly staleExceptions: readonly StaleException[];
  readonly expiredExceptions: readonly ExpiredException[];
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'judge a saved ECR scan against a policy file',
  usage: USAGE,
  run: (argv, io) => Promise.resolve(run(argv, io)),
};

const run = (argv: readonly string[], io: CliIo): number => {
  const options = parseOptions(argv);
  let policy: LoadedPolicy;
  let scan: ScanFindings;
  try {
    policy = parsePolicy(readText(options.policyFile, 'policy'), options.policyFile);
    scan = parseScanFindings(
      parseJson(readText(options.findingsFile, 'findings'), options.findingsFile),
      options.findingsFile,
    );
  } catch (error) {
    io.stderr(`tollgate evaluate: ${describeError(error)}\n`);
    return EXIT.ERROR;
  }
  const repository = options.repository ?? scan.repository;
  if (repository === undefined) {
    throw new UsageError(`${options.findingsFile} names no repositoryName: pass --repository`);
  }
  // The gate decides on the digest; the registry is only shown, and a saved scan names no region.
  const image: ImageRef = {
    registry: scan.registryId ?? 'unknown',
    repository,
    digest: scan.digest,
    ...(scan.tag === undefined ? {} : { tag: scan.tag }),
  };
  const result = judge(scan, policy, image, options.now);
  io.stdout(options.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : toText(result));
  return exitCode(result.verdict);
};

const judge = (scan: ScanFindings, policy: LoadedPolicy, image: ImageRef, now: Date): EvaluateResult => {
  if (scan.truncated) {
    // Judging part of the findings could approve what the missing pages would refuse.
    const message = 'the findings file is incomplete: its last page has a nextToken; save every page';
    return {
      verdict: errorVerdict(image, 'MALFORMED_INPUT', message, now.toISOString(), {
        scan: scan.scan,
        policyDigest: policy.digest,
      }),
      staleExceptions: [],
      expiredExceptions: [],
    };
  }
  return evaluateDetailed({ findings: scan.findings, policy, image, now, scan: scan.scan });
};

const exitCode = (verdict: EvaluatedVerdict): number => {
  switch (verdict.outcome) {
    case 'APPROVED':
      return EXIT.OK;
    case 'REJECTED':
      return EXIT.NEGATIVE;
    case 'ERROR':
      return EXIT.ERROR;
  }
};

const parseOptions = (argv: readonly string[]): EvaluateOptions => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        findings: { type: 'string' },
        policy: { type: 'string' },
        repository: { type: 'string' },
        now: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.findings === undefined) throw new UsageError('--findings FILE is required');
  if (values.policy === undefined) throw new UsageError('--policy FILE is required');
  return {
    findingsFile: values.findings,
    policyFile: values.policy,
    ...(values.repository === undefined ? {} : { repository: values.repository }),
    now: values.now === undefined ? new Date() : parseNow(values.now),
    json: values.json,
  };
};

const parseNow = (value: string): Date => {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? parseEventTime(`${value}T00:00:00Z`)
    : parseEventTime(value);
  if (iso === undefined)
    throw new UsageError(`--now: expected an ISO 8601 date or time, got ${JSON.stringify(value)}`);
  return new Date(iso);
};

class InputFileError extends Error {
  public constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'InputFileError';
  }
}

const readText = (file: string, what: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read the ${what} file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
};

const parseJson = (text: string, file: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputFileError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
};

const describeError = (error: unknown): string => {
  if (error instanceof ValidationError && error.issues.length > 1) {
    return [error.message, ...error.issues.map((issue) => `  ${issue.field}: ${issue.message}`)].join('\n');
  }
  return error instanceof Error ? error.message : String(error);
};

const toJson = ({ verdict, staleExceptions, expiredExceptions }: EvaluateResult): Record<string, unknown> => {
  const judged = verdict.outcome === 'ERROR' ? undefined : verdict;
  return {
    verdict: verdict.outcome,
    image: imageKey(verdict.image),
    mode: verdict.mode,
    reasons: verdict.reasons,
    ...(verdict.outcome === 'ERROR' ? { error: verdict.error } : {}),
    blocking: (judged?.blocking ?? []).map((finding) => ({
      id: finding.id,
      severity: finding.severity,
      package: finding.package ?? null,
      rule: finding.rule,
    })),
    blockingTotal: judged?.blockingTotal ?? 0,
    exceptionsApplied: judged?.exceptionsApplied ?? [],
    staleExceptions,
    expiredExceptions,
    warnings: verdict.warnings,
    policyDigest: verdict.policyDigest ?? null,
  };
};

const toText = ({ verdict }: EvaluateResult): string => {
  const lines = [`${verdict.outcome}  ${imageKey(verdict.image)}`];
  lines.push(`  policy ${verdict.policyDigest ?? '(none)'}, mode ${verdict.mode}`);
  if (verdict.scan !== undefined) {
    const completed = verdict.scan.completedAt === undefined ? '' : `, completed ${verdict.scan.completedAt}`;
    lines.push(`  scan   ${verdict.scan.scanner} ${verdict.scan.status}${completed}`);
  }
  if (verdict.outcome === 'ERROR') {
    lines.push('', `Error ${verdict.error.code}: ${verdict.error.message}`);
  } else {
    lines.push('', verdict.reasons[0] ?? '');
    if (verdict.blockingTotal > 0) {
      lines.push('', `Blocking findings (${verdict.blocking.length} of ${verdict.blockingTotal}):`);
      lines.push(
        ...table(
          ['ID', 'SEVERITY', 'PACKAGE', 'RULE'],
          verdict.blocking.map((finding) => [
            finding.id,
            finding.severity,
            finding.package ?? '-',
            finding.rule,
          ]),
        ),
      );
    }
    if (verdict.exceptionsApplied.length > 0) {
      lines.push('', 'Exceptions applied:');
      lines.push(
        ...table(
          ['ID', 'PACKAGE', 'MATCHED', 'EXPIRES', 'REASON'],
          verdict.exceptionsApplied.map((exception) => [
            exception.id,
            exception.package ?? '*',
            String(exception.matched),
            exception.expires,
            exception.reason,
          ]),
        ),
      );
    }
  }
  if (verdict.warnings.length > 0) {
    lines.push('', 'Warnings:', ...verdict.warnings.map((warning) => `  - ${warning}`));
  }
  return `${lines.join('\n')}\n`;
};

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
};
