import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FindingsValidationError, parseScanFindings } from '../../../shared/core/findings';
import { parseEvent } from '../../../shared/core/events';
import { loadSampleEvent } from '../../helpers/shared-data';

const load = (name: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/findings', name), 'utf8')) as unknown;

/** Just enough of a saved page for the tests to break it on purpose. */
interface RawPage {
  imageId?: { imageDigest: string };
  imageScanStatus?: unknown;
  imageScanFindings: {
    imageScanCompletedAt?: unknown;
    enhancedFindings: {
      packageVulnerabilityDetails?: { cvss: { baseScore: number }[] };
      title?: string;
      findingArn?: string;
    }[];
  };
}

const failure = (input: unknown): FindingsValidationError => {
  try {
    parseScanFindings(input, 'findings.json');
  } catch (error) {
    if (error instanceof FindingsValidationError) return error;
    throw error;
  }
  throw new Error('expected the findings to be refused');
};

describe('parseScanFindings: enhanced scanning (Inspector)', () => {
  const result = parseScanFindings(load('enhanced-rejected.json'));

  it('reads the image and scan metadata, epoch seconds included', () => {
    expect(result).toMatchObject({
      registryId: '123456789012',
      repository: 'payments/api',
      digest: 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd',
      tag: '1.4.2',
      statusDescription: 'The scan was completed successfully.',
      vulnerabilitySourceUpdatedAt: '2026-11-18T11:20:00.000Z',
      truncated: false,
    });
    expect(result.scan).toEqual({
      scanner: 'INSPECTOR',
      status: 'ACTIVE',
      completedAt: '2026-11-18T11:20:00.000Z',
      severityCounts: { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1 },
    });
  });

  it('normalizes a finding to the same shape as the Inspector2 Finding event', () => {
    expect(result.findings[0]).toEqual({
      id: 'CVE-2026-12345',
      severity: 'CRITICAL',
      title: 'CVE-2026-12345 - openssl',
      description: 'CVE-2026-12345 affects openssl.',
      // The highest CVSS version wins, as in shared/core/events.
      cvss: { score: 9.8, version: '3.1' },
      package: { name: 'openssl', version: '3.0.15' },
      fixedInVersion: '3.0.15-1~deb12u2',
      fixAvailable: 'YES',
      exploitAvailable: 'YES',
      sourceUrl: 'https://nvd.nist.gov/vuln/detail/CVE-2026-12345',
    });
    const fromEvent = parseEvent(loadSampleEvent('inspector2-finding-critical.json'));
    expect(fromEvent.kind === 'finding' && Object.keys(fromEvent.finding).sort()).toEqual(
      Object.keys(result.findings[0]!).sort(),
    );
  });

  it("leaves out Inspector's NotAvailable fixed version rather than calling it a version", () => {
    const curl = result.findings.find((finding) => finding.package?.name === 'curl');
    expect(curl).toMatchObject({ fixAvailable: 'NO' });
    expect(curl).not.toHaveProperty('fixedInVersion');
  });

  it('drops findings Inspector closed, and counts them', () => {
    expect(result.findings.map((finding) => finding.id)).not.toContain('CVE-2025-99999');
    expect(result.closedFindings).toBe(1);
  });

  it('reads ISO timestamps as the SDK saves them', () => {
    const approved = parseScanFindings(load('enhanced-approved.json'));
    expect(approved.scan.completedAt).toBe('2026-11-16T01:56:11.000Z');
    expect(approved.findings).toHaveLength(2);
  });

  it('never guesses what Inspector left out', () => {
    const page = structuredClone(load('enhanced-approved.json')) as {
      imageScanFindings: { enhancedFindings: Record<string, unknown>[] };
    };
    const raw = page.imageScanFindings.enhancedFindings[0]!;
    delete raw.fixAvailable;
    delete raw.exploitAvailable;
    delete raw.title;
    delete raw.description;
    raw.packageVulnerabilityDetails = { vulnerabilityId: 'CVE-2026-50001' };
    expect(parseScanFindings(page).findings[0]).toEqual({ id: 'CVE-2026-50001', severity: 'MEDIUM' });
  });

  it('accepts an offset timestamp as AWS CLI v2 prints it', () => {
    const page = structuredClone(load('enhanced-approved.json')) as {
      imageScanFindings: Record<string, unknown>;
    };
    page.imageScanFindings.imageScanCompletedAt = '2026-11-16T03:56:11.250000+02:00';
    expect(parseScanFindings(page).scan.completedAt).toBe('2026-11-16T01:56:11.250Z');
  });
});

describe('parseScanFindings: basic scanning', () => {
  const result = parseScanFindings(load('basic-complete.json'));

  it('reads package and CVSS from the attributes, preferring CVSS v3', () => {
    expect(result.scan.scanner).toBe('ECR_BASIC');
    expect(result.findings).toEqual([
      {
        id: 'CVE-2026-60001',
        severity: 'HIGH',
        description: 'Out-of-bounds read in libpng.',
        cvss: { score: 6.5, version: '3.1' },
        package: { name: 'libpng', version: '1.6.39' },
        sourceUrl: 'https://security-tracker.debian.org/tracker/CVE-2026-60001',
      },
      {
        id: 'CVE-2019-70002',
        severity: 'LOW',
        cvss: { score: 2.1, version: '2' },
        package: { name: 'gzip', version: '2.2' },
        sourceUrl: 'https://security-tracker.debian.org/tracker/CVE-2019-70002',
      },
      { id: 'CVE-2026-70003', severity: 'INFORMATIONAL' },
    ]);
  });

  it('names the attribute when a CVSS score is not a number', () => {
    const page = structuredClone(load('basic-complete.json')) as {
      imageScanFindings: { findings: { attributes: { key: string; value: string }[] }[] };
    };
    page.imageScanFindings.findings[0]!.attributes[3]!.value = 'high';
    const error = failure(page);
    expect(error.field).toBe('imageScanFindings.findings.0.attributes.3.value');
    expect(error.message).toContain('CVSS3_SCORE');
  });
});

describe('parseScanFindings: pages', () => {
  it('joins an array of pages', () => {
    const result = parseScanFindings(load('multi-page.json'));
    expect(result.findings.map((finding) => finding.id)).toEqual(['CVE-2026-33333', 'CVE-2026-81111']);
    expect(result.truncated).toBe(false);
  });

  it('marks findings whose last page still has a nextToken as truncated', () => {
    expect(parseScanFindings(load('truncated.json')).truncated).toBe(true);
  });

  it('refuses pages of different images, naming the page', () => {
    const pages = structuredClone(load('multi-page.json')) as { imageId: { imageDigest: string } }[];
    pages[1]!.imageId.imageDigest = `sha256:${'e'.repeat(64)}`;
    expect(failure(pages).field).toBe('1.imageId.imageDigest');
  });

  it('refuses pages of different repositories', () => {
    const pages = structuredClone(load('multi-page.json')) as { repositoryName: string }[];
    pages[1]!.repositoryName = 'web/frontend';
    expect(failure(pages).field).toBe('1.repositoryName');
  });

  it('reads a failed scan without findings', () => {
    const result = parseScanFindings(load('scan-failed.json'));
    expect(result.findings).toEqual([]);
    expect(result.scan).toEqual({ scanner: 'ECR_BASIC', status: 'FAILED', severityCounts: {} });
  });
});

describe('parseScanFindings: bad input', () => {
  it('names the field of a bad severity', () => {
    const error = failure(load('bad-severity.json'));
    expect(error.field).toBe('imageScanFindings.enhancedFindings.1.severity');
    expect(error.message).toContain('findings.json: imageScanFindings.enhancedFindings.1.severity');
    expect(error.retryable).toBe(false);
  });

  it.each<[string, (page: RawPage) => void, string]>([
    ['a missing digest', (page) => delete page.imageId, 'imageId'],
    ['a bad digest', (page) => (page.imageId!.imageDigest = 'sha256:ABC'), 'imageId.imageDigest'],
    ['a missing status', (page) => delete page.imageScanStatus, 'imageScanStatus'],
    [
      'a bad timestamp',
      (page) => (page.imageScanFindings.imageScanCompletedAt = 'yesterday'),
      'imageScanFindings.imageScanCompletedAt',
    ],
    [
      'a CVSS above 10',
      (page) =>
        (page.imageScanFindings.enhancedFindings[0]!.packageVulnerabilityDetails!.cvss[0]!.baseScore = 11),
      'imageScanFindings.enhancedFindings.0.packageVulnerabilityDetails.cvss.0.baseScore',
    ],
    [
      'a finding without any name',
      (page) => {
        const finding = page.imageScanFindings.enhancedFindings[0]!;
        delete finding.packageVulnerabilityDetails;
        delete finding.title;
        delete finding.findingArn;
      },
      'imageScanFindings.enhancedFindings.0.packageVulnerabilityDetails.vulnerabilityId',
    ],
  ])('names the field for %s', (_name, mutate, field) => {
    const page = structuredClone(load('enhanced-approved.json')) as RawPage;
    mutate(page);
    expect(failure(page).field).toBe(field);
  });

  it.each([null, 42, 'text', {}])('refuses %p', (input) => {
    expect(() => parseScanFindings(input)).toThrow(FindingsValidationError);
  });

  it('refuses an empty array of pages', () => {
    expect(failure([]).field).toBe('(root)');
  });
});
