import fc from 'fast-check';
import type { Digest } from '../../../../shared/core/domain';
import { FindingsValidationError } from '../../../../shared/core/findings';
import {
  MAX_REPORT_DEPTH,
  MAX_REPORT_FINDINGS,
  ReportLimitError,
  UnrecognizedReportError,
  assertDepth,
  readScanReport,
  type ReadReport,
} from '../../../../shared/core/findings/scanners';
import { evaluate, parsePolicy } from '../../../../shared/core/policy';
import { FUZZ_SEED, mutated, namesPath } from '../../fuzz/fuzz-settings';
import { copy, loadReport } from './render';

// Fewer cases than the 10,000 of test/unit/fuzz: each one parses a whole real report.
const RUNS = 2_000;
const parameters = { seed: FUZZ_SEED, numRuns: RUNS } as const;

const POLICY = parsePolicy('defaults:\n  severityLimits: { CRITICAL: 0 }\n');
const IMAGE = { registry: 'r.example', repository: 'fuzz/app', digest: `sha256:${'e'.repeat(64)}` as Digest };

const limitError = (run: () => unknown): ReportLimitError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ReportLimitError) return error;
    throw error;
  }
  throw new Error('expected the report to be refused for a limit');
};

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
};

const findingsOf = (read: ReadReport) => (read.format === 'ecr' ? read.scan.findings : read.report.findings);

describe('hostile reports: deep nesting', () => {
  it('refuses a document nested a million deep, without overflowing the stack', () => {
    const error = limitError(() => readScanReport(nested(1_000_000)));
    expect(error.limit).toBe('depth');
    expect(error.message).toBe(`the findings file nests deeper than ${MAX_REPORT_DEPTH} levels`);
  });

  it('refuses a real Trivy report with a field nested past the limit', () => {
    const raw = copy(loadReport<{ Metadata: Record<string, unknown> }>('trivy-alpine-310.json'));
    raw.Metadata.ImageConfig = nested(MAX_REPORT_DEPTH);
    expect(limitError(() => readScanReport(raw)).limit).toBe('depth');
  });

  it('refuses a real Grype report with a match nested past the limit', () => {
    const raw = copy(loadReport<{ matches: { artifact: Record<string, unknown> }[] }>('grype-image.json'));
    (raw.matches[0] as { artifact: Record<string, unknown> }).artifact.metadata = nested(MAX_REPORT_DEPTH);
    expect(limitError(() => readScanReport(raw)).limit).toBe('depth');
  });

  it('counts the document as level one: 64 levels pass, 65 do not', () => {
    expect(() => assertDepth(nested(MAX_REPORT_DEPTH - 1, {}))).not.toThrow();
    expect(() => assertDepth(nested(MAX_REPORT_DEPTH, {}))).toThrow(ReportLimitError);
    expect(() => assertDepth(nested(MAX_REPORT_DEPTH))).not.toThrow();
    expect(() => assertDepth(nested(MAX_REPORT_DEPTH + 1))).toThrow(ReportLimitError);
  });
});

describe('hostile reports: too many findings', () => {
  const over = MAX_REPORT_FINDINGS + 1;

  it('refuses a Trivy report of more vulnerabilities than the limit, before parsing them', () => {
    const raw = copy(loadReport<{ Results: { Vulnerabilities: unknown[] }[] }>('trivy-alpine-310.json'));
    const one = raw.Results[0]?.Vulnerabilities[0];
    (raw.Results[0] as { Vulnerabilities: unknown[] }).Vulnerabilities = new Array<unknown>(over).fill(one);
    const error = limitError(() => readScanReport(raw));
    expect(error.limit).toBe('findings');
    expect(error.message).toContain(`holds ${over} findings, more than the ${MAX_REPORT_FINDINGS}`);
  });

  it('refuses a Grype report whose matches and ignored matches together pass the limit', () => {
    const raw = copy(loadReport<{ matches: unknown[]; ignoredMatches?: unknown[] }>('grype-image.json'));
    const one = raw.matches[0];
    raw.matches = new Array<unknown>(MAX_REPORT_FINDINGS).fill(one);
    raw.ignoredMatches = [one];
    expect(limitError(() => readScanReport(raw)).limit).toBe('findings');
  });

  it('refuses an ECR file of more findings than the limit, over its pages', () => {
    const page = {
      imageId: { imageDigest: IMAGE.digest },
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: {
        findings: new Array<unknown>(MAX_REPORT_FINDINGS / 2).fill({ name: 'CVE-1', severity: 'LOW' }),
      },
    };
    expect(
      limitError(() => readScanReport([page, page, { ...page, imageScanFindings: { findings: [{}] } }]))
        .limit,
    ).toBe('findings');
  });
});

describe('hostile reports: keys and values', () => {
  it('a __proto__ CVSS source neither crashes the parser nor scores the finding', () => {
    const raw = JSON.parse(
      JSON.stringify(loadReport('trivy-debian-buster.json')).replace(
        '"nvd":{',
        '"__proto__":{"V3Score":10},"nvd":{',
      ),
    ) as unknown;
    const read = readScanReport(raw);
    expect(findingsOf(read)[0]?.cvss).toEqual({ score: 7.8, version: '3.1' });
    expect(({} as Record<string, unknown>).V3Score).toBeUndefined();
  });

  it('keeps hostile strings as they are: they are data, printed escaped by the CLI', () => {
    const raw = copy(loadReport<{ matches: { vulnerability: { id: string } }[] }>('grype-image.json'));
    (raw.matches[0] as { vulnerability: { id: string } }).vulnerability.id = 'CVE-1\u001b[2J\u202e';
    expect(findingsOf(readScanReport(raw))[0]?.id).toBe('CVE-1\u001b[2J\u202e');
  });
});

const SAMPLES = ['trivy-debian-buster.json', 'grype-image.json'] as const;

describe(`hostile reports: mutated real reports (fast-check seed ${FUZZ_SEED})`, () => {
  it.each(SAMPLES)(
    `%s with one node replaced is read, or refused with a Tollgate error naming it (${RUNS} cases)`,
    (name) => {
      fc.assert(
        fc.property(mutated(loadReport(name)), ({ path, input }) => {
          try {
            readScanReport(input);
          } catch (error) {
            if (error instanceof FindingsValidationError) {
              expect(error.issues.some((issue) => namesPath(issue.field, path))).toBe(true);
              return;
            }
            // Its marks changed (SchemaVersion, matches): then it is no longer recognised.
            expect(error).toBeInstanceOf(UnrecognizedReportError);
          }
        }),
        parameters,
      );
    },
  );

  const broken = fc.record({
    field: fc.constantFrom('severity', 'id'),
    value: fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.constant(''),
      fc.string({ unit: 'binary', maxLength: 20 }),
    ),
  });

  it(`a CRITICAL Trivy finding with a broken field never yields findings to approve (${RUNS} cases)`, () => {
    const raw = loadReport<{ Results: { Vulnerabilities: Record<string, unknown>[] }[] }>(
      'trivy-alpine-310.json',
    );
    fc.assert(
      fc.property(broken, fc.nat({ max: 4 }), ({ field, value }, position) => {
        const report = copy(raw);
        const vulnerabilities = (report.Results[0] as { Vulnerabilities: Record<string, unknown>[] })
          .Vulnerabilities;
        const critical = {
          ...vulnerabilities[0],
          VulnerabilityID: 'CVE-2024-3094',
          Severity: 'CRITICAL',
          [field === 'id' ? 'VulnerabilityID' : 'Severity']: value,
        };
        vulnerabilities.splice(Math.min(position, vulnerabilities.length), 0, critical);
        let read: ReadReport;
        try {
          read = readScanReport(report);
        } catch (error) {
          expect(error).toBeInstanceOf(FindingsValidationError);
          return;
        }
        // Only a value that still is a CRITICAL finding's may pass, and then the image is refused.
        expect(
          evaluate({
            findings: findingsOf(read),
            policy: POLICY,
            image: IMAGE,
            now: new Date(),
            scan: { scanner: 'INSPECTOR', status: 'COMPLETE', severityCounts: {} },
          }).outcome,
        ).toBe('REJECTED');
      }),
      parameters,
    );
  });

  it(`a Critical Grype match with a broken field never yields findings to approve (${RUNS} cases)`, () => {
    const raw = loadReport<{ matches: { vulnerability: Record<string, unknown> }[] }>('grype-image.json');
    fc.assert(
      fc.property(broken, fc.nat({ max: 2 }), ({ field, value }, position) => {
        const report = copy(raw);
        const critical = copy(report.matches[1]) as { vulnerability: Record<string, unknown> };
        critical.vulnerability.severity = 'Critical';
        critical.vulnerability[field] = value;
        report.matches.splice(Math.min(position, report.matches.length), 0, critical);
        // The real report's own Critical match is taken out: only the broken one could refuse the image.
        report.matches = report.matches.filter(
          (match) => match === critical || match.vulnerability.severity !== 'Critical',
        );
        let read: ReadReport;
        try {
          read = readScanReport(report);
        } catch (error) {
          expect(error).toBeInstanceOf(FindingsValidationError);
          return;
        }
        expect(
          evaluate({
            findings: findingsOf(read),
            policy: POLICY,
            image: IMAGE,
            now: new Date(),
            scan: { scanner: 'INSPECTOR', status: 'COMPLETE', severityCounts: {} },
          }).outcome,
        ).toBe('REJECTED');
      }),
      parameters,
    );
  });
});
