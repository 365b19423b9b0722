import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../../../../shared/core/domain';
import {
  ImageMismatchError,
  UnrecognizedReportError,
  assertReportImage,
  detectReportFormat,
  readScanReport,
} from '../../../../shared/core/findings/scanners';
import { GRYPE_REPORTS, TRIVY_REPORTS, copy, loadReport } from './render';

const ecrFixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '../../../fixtures/findings', name), 'utf8')) as unknown;

const refusal = (run: () => unknown): UnrecognizedReportError => {
  try {
    run();
  } catch (error) {
    if (error instanceof UnrecognizedReportError) return error;
    throw error;
  }
  throw new Error('expected the document to be refused');
};

describe('detectReportFormat', () => {
  it.each(TRIVY_REPORTS)('tells %s is Trivy', (name) =>
    expect(detectReportFormat(loadReport(name))).toBe('trivy'),
  );
  it.each(GRYPE_REPORTS)('tells %s is Grype', (name) =>
    expect(detectReportFormat(loadReport(name))).toBe('grype'),
  );
  it.each(['basic-complete.json', 'enhanced-rejected.json', 'multi-page.json', 'scan-failed.json'])(
    'tells the ECR fixture %s is ECR',
    (name) => expect(detectReportFormat(ecrFixture(name))).toBe('ecr'),
  );

  it.each([
    [{ foo: 1 }, 'an object with keys "foo"'],
    [{}, 'an empty object'],
    [[], 'an array of 0 items'],
    [[1, 2], 'an array of 2 items'],
    ['report', 'a string'],
    [null, 'null'],
    [42, 'a number'],
  ])('refuses %p, saying what was expected and what it is', (input, what) => {
    const error = refusal(() => detectReportFormat(input, 'scan.json'));
    expect(error.reason).toBe('UNKNOWN_FORMAT');
    expect(error.message).toContain('scan.json is none of the reports Tollgate reads');
    expect(error.message).toContain('ECR DescribeImageScanFindings response');
    expect(error.message).toContain('Trivy JSON report (SchemaVersion 2');
    expect(error.message).toContain('Grype JSON report (matches');
    expect(error.message).toContain(`it is ${what}`);
  });

  it('shows at most six keys, each cut short and with control characters escaped', () => {
    const keys = Object.fromEntries(
      ['\u001b[31mred', 'x'.repeat(500), 'c', 'd', 'e', 'f', 'g', 'h'].map((key) => [key, 1]),
    );
    const { message } = refusal(() => detectReportFormat(keys));
    expect(message).toContain('"\\u001b[31mred"');
    expect(message).not.toContain('\u001b');
    expect(message).not.toContain('x'.repeat(61));
    expect(message).toContain('… (8 in all)');
  });

  it('refuses a document with the marks of two formats, asking for --format', () => {
    const both = { ...copy(loadReport<object>('grype-image.json')), SchemaVersion: 2 };
    const error = refusal(() => detectReportFormat(both));
    expect(error.reason).toBe('AMBIGUOUS_FORMAT');
    expect(error.message).toContain('--format trivy|grype');
  });

  it('refuses a Trivy report of schema version 1, saying what to do', () => {
    const old = { ...copy(loadReport<object>('trivy-alpine-310.json')), SchemaVersion: 1 };
    const error = refusal(() => detectReportFormat(old));
    expect(error.reason).toBe('UNSUPPORTED_SCHEMA');
    expect(error.message).toContain('SchemaVersion 1: Tollgate reads SchemaVersion 2');
  });
});

describe('readScanReport with --format', () => {
  it('reads a report as the format named', () => {
    expect(readScanReport(loadReport('trivy-alpine-310.json'), { format: 'trivy' }).format).toBe('trivy');
    expect(readScanReport(ecrFixture('basic-complete.json'), { format: 'ecr' }).format).toBe('ecr');
  });

  it('refuses a file plainly of another format, naming it', () => {
    const error = refusal(() =>
      readScanReport(loadReport('grype-image.json'), { format: 'trivy', source: 'g.json' }),
    );
    expect(error.reason).toBe('FORMAT_MISMATCH');
    expect(error.message).toBe('--format trivy, but g.json is a Grype report (matches)');
  });

  it('leaves a file with the marks of none to the named parser, which names the missing field', () => {
    expect(() => readScanReport({ Results: [] }, { format: 'trivy' })).toThrow(/SchemaVersion/);
    expect(() => readScanReport({}, { format: 'grype' })).toThrow(/matches/);
  });

  it('settles a document with the marks of two formats', () => {
    const both = { ...copy(loadReport<object>('grype-image.json')), SchemaVersion: 2 };
    expect(readScanReport(both, { format: 'grype' }).format).toBe('grype');
  });
});

describe('assertReportImage', () => {
  const mine = `sha256:${'1'.repeat(64)}` as Digest;
  const other = `sha256:${'2'.repeat(64)}` as Digest;

  const mismatch = (run: () => void): ImageMismatchError => {
    try {
      run();
    } catch (error) {
      if (error instanceof ImageMismatchError) return error;
      throw error;
    }
    throw new Error('expected a mismatch');
  };

  it('passes a report that names the digest, among others', () => {
    expect(() => assertReportImage([other, mine], mine, 'hint')).not.toThrow();
  });

  it('refuses a report about another image', () => {
    const error = mismatch(() => assertReportImage([other], mine, 'hint', 'r.json'));
    expect(error.reason).toBe('DIGEST_MISMATCH');
    expect(error.message).toBe(
      `r.json is about ${other}, not ${mine}: a report on another image cannot judge this one`,
    );
  });

  it('refuses a report that names no digest, with the hint', () => {
    const error = mismatch(() => assertReportImage([], mine, 'scan REF@DIGEST'));
    expect(error.reason).toBe('NO_DIGEST');
    expect(error.message).toContain('names no image digest');
    expect(error.message).toContain('scan REF@DIGEST');
  });
});
