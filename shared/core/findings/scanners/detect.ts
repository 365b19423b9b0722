import { EXPECTED_FORMATS, UnrecognizedReportError, type ReportFormat } from './errors';
import { quote } from './report';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const has = (value: JsonObject, key: string): boolean => Object.hasOwn(value, key);

// DescribeImageScanFindings: one page, or an array of pages as `tollgate evaluate` has always read.
const isEcrPage = (value: unknown): boolean =>
  isObject(value) &&
  (has(value, 'imageId') || has(value, 'imageScanStatus') || has(value, 'imageScanFindings'));

/** The marks each format always carries, in the scanner's own output. */
const MARKS: Record<ReportFormat, { readonly test: (value: unknown) => boolean; readonly mark: string }> = {
  ecr: {
    test: (value) => (Array.isArray(value) ? value.length > 0 && isEcrPage(value[0]) : isEcrPage(value)),
    mark: 'an ECR DescribeImageScanFindings response (imageId, imageScanStatus)',
  },
  // trivy `pkg/types/report.go`: SchemaVersion is the first field of every JSON report.
  trivy: {
    test: (value) => isObject(value) && has(value, 'SchemaVersion'),
    mark: 'a Trivy report (SchemaVersion)',
  },
  // grype `grype/presenter/models/document.go`: matches is always written, [] when nothing matched.
  grype: { test: (value) => isObject(value) && has(value, 'matches'), mark: 'a Grype report (matches)' },
};

const FORMATS = Object.keys(MARKS) as ReportFormat[];

const KEYS_SHOWN = 6;

/** What the top of the document is, for a message: `an object with keys "a", "b"`, `an array of 3 items`. */
const describe = (value: unknown): string => {
  if (Array.isArray(value)) return `an array of ${value.length} ${value.length === 1 ? 'item' : 'items'}`;
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, KEYS_SHOWN).map(quote).join(', ');
    return `an object with keys ${shown}${keys.length > KEYS_SHOWN ? `, … (${keys.length} in all)` : ''}`;
  }
  return value === null ? 'null' : `a ${typeof value}`;
};

const prefix = (source: string | undefined): string => (source === undefined ? 'the findings file' : source);

/**
 * Which report `input` is, told by the marks its scanner always writes. A Trivy report of another schema version
 * is refused here, with what to do about it.
 * @throws UnrecognizedReportError when it is none of them, or looks like more than one
 */
export const detectReportFormat = (input: unknown, source?: string): ReportFormat => {
  const matching = FORMATS.filter((format) => MARKS[format].test(input));
  if (matching.length === 0) {
    throw new UnrecognizedReportError(
      'UNKNOWN_FORMAT',
      `${prefix(source)} is none of the reports Tollgate reads: expected ${EXPECTED_FORMATS}; it is ${describe(input)}`,
    );
  }
  if (matching.length > 1) {
    throw new UnrecognizedReportError(
      'AMBIGUOUS_FORMAT',
      `${prefix(source)} looks like ${matching.map((format) => MARKS[format].mark).join(' and like ')}: name its format with --format ${matching.join('|')}`,
    );
  }
  const format = matching[0] as ReportFormat;
  if (format === 'trivy') assertTrivySchema(input as JsonObject, source);
  return format;
};

const assertTrivySchema = (input: JsonObject, source: string | undefined): void => {
  const version = input.SchemaVersion;
  if (typeof version === 'number' && version !== 2) {
    throw new UnrecognizedReportError(
      'UNSUPPORTED_SCHEMA',
      `${prefix(source)} is a Trivy report of SchemaVersion ${version}: Tollgate reads SchemaVersion 2; scan again with a current Trivy (trivy image --format json)`,
    );
  }
};

/**
 * Checks a format named with `--format` against the document: plainly another format is refused, naming it; a
 * document with the marks of none is left to the named format's parser, which names the field it misses.
 * @throws UnrecognizedReportError
 */
export const confirmReportFormat = (input: unknown, format: ReportFormat, source?: string): void => {
  const matching = FORMATS.filter((candidate) => MARKS[candidate].test(input));
  if (matching.length > 0 && !matching.includes(format)) {
    throw new UnrecognizedReportError(
      'FORMAT_MISMATCH',
      `--format ${format}, but ${prefix(source)} is ${matching.map((other) => MARKS[other].mark).join(' or ')}`,
    );
  }
  if (format === 'trivy' && isObject(input)) assertTrivySchema(input, source);
};
