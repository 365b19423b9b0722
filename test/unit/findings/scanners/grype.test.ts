import {
  GRYPE_FIX_STATES,
  ScannerReportValidationError,
  grypeCvss,
  parseGrypeReport,
} from '../../../../shared/core/findings/scanners';
import { copy, loadReport } from './render';

interface RawMatch {
  vulnerability: Record<string, unknown> & { fix: { versions: string[]; state: string } };
  relatedVulnerabilities: Record<string, unknown>[];
  matchDetails: Record<string, unknown>[];
  artifact: Record<string, unknown>;
}
interface RawGrype {
  matches: RawMatch[];
  ignoredMatches?: unknown[];
  source: { type: string; target: unknown } | null;
  descriptor: Record<string, unknown>;
}

/** The real grype-image report with its first match changed. */
const withFirst = (change: (match: RawMatch) => void): RawGrype => {
  const raw = copy(loadReport<RawGrype>('grype-image.json'));
  change(raw.matches[0] as RawMatch);
  return raw;
};

const firstFinding = (raw: unknown) => parseGrypeReport(raw).findings[0];

const failure = (raw: unknown): ScannerReportValidationError => {
  try {
    parseGrypeReport(raw, 'grype.json');
  } catch (error) {
    if (error instanceof ScannerReportValidationError) return error;
    throw error;
  }
  throw new Error('expected the report to be refused');
};

const cvss = (source: string, version: string, baseScore: number) => ({
  source,
  type: 'CVSS',
  version,
  vector: '',
  metrics: { baseScore },
});

describe('parseGrypeReport: severity', () => {
  it.each([
    ['Critical', 'CRITICAL'],
    ['High', 'HIGH'],
    ['Medium', 'MEDIUM'],
    ['Low', 'LOW'],
    ['Negligible', 'INFORMATIONAL'],
    ['Unknown', 'UNDEFINED'],
    ['negligible', 'INFORMATIONAL'],
    ['CRITICAL', 'CRITICAL'],
  ])('%s is judged as %s', (grype, severity) => {
    expect(firstFinding(withFirst((m) => (m.vulnerability.severity = grype)))?.severity).toBe(severity);
  });

  it.each(['Severe', '', 'Informational', 'UNDEFINED'])(
    'refuses %p, which Grype would quietly read as Unknown',
    (value) => {
      const error = failure(withFirst((m) => (m.vulnerability.severity = value)));
      expect(error.field).toBe('matches.0.vulnerability.severity');
      expect(error.message).toContain('expected one of Critical, High, Medium, Low, Negligible, Unknown');
      expect(error.message).toContain('malformed Grype report grype.json');
    },
  );

  it('refuses a match without a severity: it is not guessed', () => {
    expect(failure(withFirst((m) => delete m.vulnerability.severity)).field).toBe(
      'matches.0.vulnerability.severity',
    );
  });

  it('refuses a match without a package name', () => {
    expect(failure(withFirst((m) => delete m.artifact.name)).field).toBe('matches.0.artifact.name');
  });
});

describe('parseGrypeReport: fix state', () => {
  it.each(Object.entries(GRYPE_FIX_STATES))('state %p without versions is fix %p', (state, fixAvailable) => {
    const finding = firstFinding(
      withFirst((m) => {
        m.vulnerability.fix = { versions: [], state };
        m.matchDetails = [];
      }),
    );
    expect(finding?.fixAvailable).toBe(fixAvailable);
    expect(finding).not.toHaveProperty('fixedInVersion');
  });

  it('the fix states are the ones grype defines, mapped as documented', () => {
    expect(GRYPE_FIX_STATES).toEqual({
      fixed: 'YES',
      'not-fixed': 'NO',
      'wont-fix': 'NO',
      unknown: undefined,
      '': undefined,
    });
  });

  it('names every fixed version when no suggested one is given', () => {
    const finding = firstFinding(withFirst((m) => (m.matchDetails = [])));
    expect(finding).toMatchObject({ fixAvailable: 'YES', fixedInVersion: '1.2.1, 2.1.3, 3.4.0' });
  });

  it('a listed fixed version is a fix whatever the state says', () => {
    const finding = firstFinding(withFirst((m) => (m.vulnerability.fix.state = 'wont-fix')));
    expect(finding?.fixAvailable).toBe('YES');
  });

  it('refuses a fix state grype does not define', () => {
    expect(failure(withFirst((m) => (m.vulnerability.fix.state = 'fixed-soon'))).field).toBe(
      'matches.0.vulnerability.fix.state',
    );
  });
});

describe('grypeCvss: NVD first, then the advisory, then related vulnerabilities; newest version first', () => {
  it("prefers NVD's score, by either of its source names, to the advisory's", () => {
    expect(grypeCvss([cvss('debian', '3.1', 3), cvss('nvd@nist.gov', '3.1', 9)], [])).toMatchObject({
      score: 9,
    });
    expect(grypeCvss([cvss('debian', '3.1', 3)], [cvss('nvd', '3.1', 9)])).toMatchObject({
      score: 9,
      source: 'nvd',
    });
  });

  it("takes the advisory's own score before a related vulnerability's", () => {
    expect(grypeCvss([cvss('ghsa', '3.1', 4)], [cvss('secure@microsoft.com', '3.1', 8)])).toMatchObject({
      score: 4,
      source: 'ghsa',
    });
    expect(grypeCvss([], [cvss('secure@microsoft.com', '3.1', 8)])).toMatchObject({ score: 8 });
  });

  it('takes the newest version of a source', () => {
    expect(grypeCvss([cvss('nvd', '2.0', 5), cvss('nvd', '4.0', 8.7), cvss('nvd', '3.1', 7)], [])).toEqual({
      score: 8.7,
      version: '4.0',
      source: 'nvd',
    });
  });

  it('reads the version from the vector when the version is empty', () => {
    expect(grypeCvss([{ ...cvss('nvd', '', 6), vector: 'CVSS:3.0/AV:N' }], [])).toEqual({
      score: 6,
      version: '3.0',
      source: 'nvd',
    });
  });

  it('reads the related vulnerabilities of a real match', () => {
    const finding = firstFinding(
      withFirst((m) => {
        m.vulnerability.cvss = [];
        m.relatedVulnerabilities = [{ id: 'CVE-1999-0001', dataSource: '', cvss: [cvss('nvd', '3.1', 6.6)] }];
      }),
    );
    expect(finding?.cvss).toEqual({ score: 6.6, version: '3.1' });
  });

  it('a match without any CVSS has no score: maxCvss cannot block it', () => {
    expect(firstFinding(withFirst((m) => (m.vulnerability.cvss = [])))).not.toHaveProperty('cvss');
  });
});

describe('parseGrypeReport: the report', () => {
  it('judges the matches Grype ignored, and says so', () => {
    const raw = copy(loadReport<RawGrype>('grype-image.json'));
    raw.ignoredMatches = [{ ...raw.matches[1], appliedIgnoreRules: [{ vulnerability: 'CVE-1999-0002' }] }];
    raw.matches = [raw.matches[0] as RawMatch];
    const report = parseGrypeReport(raw);
    expect(report.findings.map((f) => f.id)).toEqual(['CVE-1999-0001', 'CVE-1999-0002']);
    expect(report.notes).toEqual([
      "1 match Grype's configuration ignored (ignoredMatches) is judged like the others: waive them with a policy exception",
    ]);
  });

  it('refuses an image source whose target is no image', () => {
    const raw = copy(loadReport<RawGrype>('grype-image.json'));
    (raw.source as { target: unknown }).target = 'ubuntu:22.04';
    expect(failure(raw).field).toBe('source.target');
  });

  it('names the target of a source that is no image, without a digest', () => {
    const raw = copy(loadReport<RawGrype>('grype-image.json'));
    raw.source = { type: 'directory', target: '/src' };
    expect(parseGrypeReport(raw)).toMatchObject({ artifactName: '/src', digests: [], references: [] });
  });

  it('refuses a report without its descriptor or matches', () => {
    const raw = copy(loadReport<RawGrype>('grype-image.json'));
    delete (raw as { descriptor?: unknown }).descriptor;
    expect(failure(raw).field).toBe('descriptor');
    const none = copy(loadReport<RawGrype>('grype-image.json'));
    (none as { matches: unknown }).matches = null;
    expect(failure(none).field).toBe('matches');
  });

  it('reads the descriptor timestamp as the completion time, in UTC', () => {
    const raw = copy(loadReport<RawGrype>('grype-image.json'));
    raw.descriptor.timestamp = '2026-12-01T10:00:00.123456789+01:00';
    expect(parseGrypeReport(raw).scan.completedAt).toBe('2026-12-01T09:00:00.123Z');
    raw.descriptor.timestamp = 'yesterday';
    expect(failure(raw).field).toBe('descriptor.timestamp');
  });
});
