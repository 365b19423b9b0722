import { parseCommandArgs } from '../args';
import { readFileSync } from 'node:fs';
import { EXIT, UsageError, type CliIo, type Command } from '../command';
import { ValidationError, errorVerdict, imageKey } from '../../shared/core/domain';
import { parseEventTime } from '../../shared/core/events';
import {
  MAX_REPORT_BYTES,
  REPORT_FORMATS,
  printable,
  readScanReport,
  type ReportFormat,
} from '../../shared/core/findings/scanners';
import { InvalidImageReferenceError } from '../../shared/core/gate/errors';
import { parseImageReference } from '../../shared/core/gate/image-reference';
import {
  evaluateDetailed,
  parsePolicy,
  type EvaluatedVerdict,
  type ExpiredException,
  type LoadedPolicy,
  type StaleException,
} from '../../shared/core/policy';
import {
  InputFileError,
  judgementOf,
  readBoundedText,
  type Judgement,
  type JudgementOptions,
} from './evaluate-input';

const USAGE = `Usage: tollgate evaluate --findings FILE --policy FILE [--format ecr|trivy|grype] [--image REF@DIGEST]
                         [--repository NAME] [--now ISO-8601] [--json]

Judges a saved scan against a policy, as the gate would: an ECR scan result, or the report Trivy or Grype wrote
in CI, under the same policy.

  --findings FILE     one of (told apart by content; at most 128 MiB):
                        ECR: output of \`aws ecr describe-image-scan-findings\` (or the SDK's response saved as
                             JSON), one page or a JSON array of pages; basic and enhanced scanning
                        Trivy: \`trivy image --format json -o FILE IMAGE\` (SchemaVersion 2)
                        Grype: \`grype IMAGE -o json --file FILE\`
  --policy FILE       the policy (YAML or JSON), format in docs/policy.md
  --format FORMAT     read FILE as ecr, trivy or grype instead of telling it from its content
  --image REF@DIGEST  the image the verdict is for: FILE must name this digest (ECR imageId.imageDigest,
                      Trivy Metadata.RepoDigests, Grype repoDigests or manifestDigest), else exit 2;
                      a report that names no digest is refused too. Also names the repository.
  --repository NAME   judge as this repository (default: --image's, else the one FILE names)
  --now ISO-8601      judge as of this time, e.g. 2027-02-01 or 2027-02-01T12:00:00Z (default: now)
  --json              print the verdict as JSON

Exit status: 0 approved (warn mode included), 1 rejected, 2 error (unreadable, invalid or unrecognised file,
a report for another image than --image, ERROR verdict).`;

interface EvaluateOptions {
  readonly findingsFile: string;
  readonly policyFile: string;
  readonly format?: ReportFormat;
  readonly image?: JudgementOptions['image'];
  readonly repository?: string;
  readonly now: Date;
  readonly json: boolean;
}

/** What the command prints, in either form. */
interface EvaluateResult {
  readonly verdict: EvaluatedVerdict;
  readonly staleExceptions: readonly StaleException[];
  readonly expiredExceptions: readonly ExpiredException[];
  /** Which format the findings file was read as, and for a Trivy or Grype report what wrote it. */
  readonly format: Judgement['format'];
  readonly source?: string;
  /** The verdict's warnings, then what the file holds that is not judged and how the image was named. */
  readonly warnings: readonly string[];
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'judge a saved ECR scan, or a Trivy or Grype report, against a policy file',
  usage: USAGE,
  run: (argv, io) => Promise.resolve(run(argv, io)),
};

const run = (argv: readonly string[], io: CliIo): number => {
  const options = parseOptions(argv);
  let policy: LoadedPolicy;
  let judgement: Judgement;
  try {
    policy = parsePolicy(readText(options.policyFile, 'policy'), options.policyFile);
    judgement = readJudgement(readBoundedText(options.findingsFile, 'findings', MAX_REPORT_BYTES), options);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.stderr(`tollgate evaluate: ${describeError(error)}\n`);
    return EXIT.ERROR;
  }
  const result = judge(judgement, policy, options.now);
  io.stdout(options.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : toText(result));
  return exitCode(result.verdict);
};

/**
 * The findings file's text, read in any of the three formats and tied to `--image`: what the command judges.
 * @throws InputFileError, ReportLimitError, UnrecognizedReportError, FindingsValidationError, ImageMismatchError,
 * UsageError (no repository)
 */
const readJudgement = (
  text: string,
  options: Pick<EvaluateOptions, 'findingsFile' | 'format' | 'image' | 'repository'>,
): Judgement => {
  const read = readScanReport(parseJson(text, options.findingsFile), {
    ...(options.format === undefined ? {} : { format: options.format }),
    source: options.findingsFile,
  });
  return judgementOf(read, {
    file: options.findingsFile,
    ...(options.image === undefined ? {} : { image: options.image }),
    ...(options.repository === undefined ? {} : { repository: options.repository }),
  });
};

/** Judges what the file holds against the policy, as of `now`. Pure: the same input gives the same verdict. */
export const judge = (judgement: Judgement, policy: LoadedPolicy, now: Date): EvaluateResult => {
  const { findings, scan, image, notes, format, source } = judgement;
  const described = { format, ...(source === undefined ? {} : { source }) };
  if (judgement.truncated) {
    // Judging part of the findings could approve what the missing pages would refuse.
    const message = 'the findings file is incomplete: its last page has a nextToken; save every page';
    const verdict = errorVerdict(image, 'MALFORMED_INPUT', message, now.toISOString(), {
      scan,
      policyDigest: policy.digest,
    });
    return { verdict, staleExceptions: [], expiredExceptions: [], warnings: verdict.warnings, ...described };
  }
  const evaluation = evaluateDetailed({ findings, policy, image, now, scan });
  return {
    verdict: evaluation.verdict,
    staleExceptions: evaluation.staleExceptions,
    expiredExceptions: evaluation.expiredExceptions,
    warnings: [...evaluation.verdict.warnings, ...notes],
    ...described,
  };
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
  const { values } = parseCommandArgs(argv, {
    findings: { type: 'string' },
    policy: { type: 'string' },
    format: { type: 'string' },
    image: { type: 'string' },
    repository: { type: 'string' },
    now: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (values.findings === undefined) throw new UsageError('--findings FILE is required');
  if (values.policy === undefined) throw new UsageError('--policy FILE is required');
  const image = values.image === undefined ? undefined : parseImageOption(values.image);
  return {
    findingsFile: values.findings,
    policyFile: values.policy,
    ...(values.format === undefined ? {} : { format: parseFormat(values.format) }),
    ...(image === undefined ? {} : { image }),
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

const parseFormat = (value: string): ReportFormat => {
  const format = REPORT_FORMATS.find((candidate) => candidate === value);
  if (format === undefined) {
    throw new UsageError(
      `--format: expected one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return format;
};

// A tag can be moved to another image after the scan: the image is named by the digest the report must name.
const parseImageOption = (value: string): NonNullable<EvaluateOptions['image']> => {
  let reference;
  try {
    reference = parseImageReference(value);
  } catch (error) {
    if (error instanceof InvalidImageReferenceError) throw new UsageError(`--image: ${error.message}`);
    throw error;
  }
  const { digest } = reference;
  if (digest === undefined) {
    throw new UsageError(
      `--image: ${JSON.stringify(value)} names no digest: pass REF@sha256:<64 hex>, the digest the image was pushed as (a tag can move)`,
    );
  }
  return { ...reference, digest };
};

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

// Field names and values in a message come from the file: escaped like everything else printed from it.
const describeError = (error: unknown): string => {
  const lines =
    error instanceof ValidationError && error.issues.length > 1
      ? [error.message, ...error.issues.map((issue) => `  ${issue.field}: ${issue.message}`)]
      : (error instanceof Error ? error.message : String(error)).split('\n');
  return lines.map(printable).join('\n');
};

const toJson = ({
  verdict,
  staleExceptions,
  expiredExceptions,
  warnings,
  format,
}: EvaluateResult): Record<string, unknown> => {
  const judged = verdict.outcome === 'ERROR' ? undefined : verdict;
  return {
    verdict: verdict.outcome,
    image: imageKey(verdict.image),
    format,
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
    warnings,
    policyDigest: verdict.policyDigest ?? null,
  };
};

const toText = ({ verdict, warnings, source }: EvaluateResult): string => {
  const lines = [`${verdict.outcome}  ${printable(imageKey(verdict.image))}`];
  lines.push(`  policy ${verdict.policyDigest ?? '(none)'}, mode ${verdict.mode}`);
  if (verdict.scan !== undefined) {
    const completed = verdict.scan.completedAt === undefined ? '' : `, completed ${verdict.scan.completedAt}`;
    lines.push(`  scan   ${verdict.scan.scanner} ${verdict.scan.status}${completed}`);
  }
  if (source !== undefined) lines.push(`  report ${printable(source)}`);
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
  if (warnings.length > 0) {
    lines.push('', 'Warnings:', ...warnings.map((warning) => `  - ${printable(warning)}`));
  }
  return `${lines.join('\n')}\n`;
};

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map((row) => row.map(printable)).map(line)];
};
