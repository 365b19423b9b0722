import {
  ScannerReportValidationError,
  TRIVY_STATUS_FIX,
  parseTrivyReport,
  trivyCvss,
} from '../../../../shared/core/findings/scanners';
import { copy, loadReport } from './render';

interface RawTrivy {
  Results: { Vulnerabilities?: Record<string, unknown>[]; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** The real debian-buster report with its first vulnerability changed. */
const withFirst = (change: (vulnerability: Record<string, unknown>) => void): RawTrivy => {
  const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
  change(raw.Results[0]?.Vulnerabilities?.[0] as Record<string, unknown>);
  return raw;
};

const firstFinding = (raw: unknown) => parseTrivyReport(raw).findings[0];

const failure = (raw: unknown): ScannerReportValidationError => {
  try {
    parseTrivyReport(raw, 'report.json');
  } catch (error) {
    if (error instanceof ScannerReportValidationError) return error;
    throw error;
  }
  throw new Error('expected the report to be refused');
};

describe('parseTrivyReport: severity', () => {
  it.each([
    ['CRITICAL', 'CRITICAL'],
    ['HIGH', 'HIGH'],
    ['MEDIUM', 'MEDIUM'],
    ['LOW', 'LOW'],
    ['UNKNOWN', 'UNDEFINED'],
  ])('%s is judged as %s', (trivy, severity) => {
    expect(firstFinding(withFirst((v) => (v.Severity = trivy)))?.severity).toBe(severity);
  });

  it.each(['NEGLIGIBLE', 'low', 'Informational', '', 'SEVERE'])('refuses %p, naming the field', (value) => {
    const error = failure(withFirst((v) => (v.Severity = value)));
    expect(error.field).toBe('Results.0.Vulnerabilities.0.Severity');
    expect(error.message).toContain('expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN');
    expect(error.message).toContain('malformed Trivy report report.json');
  });

  it('refuses a vulnerability without a severity or an id', () => {
    expect(failure(withFirst((v) => delete v.Severity)).field).toBe('Results.0.Vulnerabilities.0.Severity');
    expect(failure(withFirst((v) => delete v.VulnerabilityID)).field).toBe(
      'Results.0.Vulnerabilities.0.VulnerabilityID',
    );
  });
});

describe('parseTrivyReport: fix state', () => {
  it.each(Object.entries(TRIVY_STATUS_FIX))(
    'Status %s without a FixedVersion is fix %p',
    (status, fixAvailable) => {
      const finding = firstFinding(
        withFirst((v) => {
          v.Status = status;
          delete v.FixedVersion;
        }),
      );
      expect(finding?.fixAvailable).toBe(fixAvailable);
      expect(finding).not.toHaveProperty('fixedInVersion');
    },
  );

  it('the eight statuses are the ones trivy-db defines, mapped as documented', () => {
    expect(TRIVY_STATUS_FIX).toEqual({
      fixed: 'YES',
      affected: 'NO',
      will_not_fix: 'NO',
      fix_deferred: 'NO',
      end_of_life: 'NO',
      unknown: undefined,
      not_affected: undefined,
      under_investigation: undefined,
    });
  });

  it('a FixedVersion is a fix whatever the status says', () => {
    const finding = firstFinding(
      withFirst((v) => {
        v.Status = 'will_not_fix';
        v.FixedVersion = '5.0-4+deb10u1';
      }),
    );
    expect(finding).toMatchObject({ fixAvailable: 'YES', fixedInVersion: '5.0-4+deb10u1' });
  });

  it('no Status and no FixedVersion (older Trivy) is unknown, not "no fix"', () => {
    expect(firstFinding(withFirst((v) => delete v.Status))).not.toHaveProperty('fixAvailable');
  });

  it('refuses a status trivy-db does not define', () => {
    const error = failure(withFirst((v) => (v.Status = 'wontfix')));
    expect(error.field).toBe('Results.0.Vulnerabilities.0.Status');
  });
});

describe('trivyCvss: NVD, then SeveritySource, then the rest by name; newest version first', () => {
  it('prefers NVD to the vendor that gave the severity', () => {
    expect(trivyCvss({ redhat: { V3Score: 4 }, nvd: { V3Score: 7 } }, 'redhat')).toEqual({
      score: 7,
      version: '3',
      source: 'nvd',
    });
  });

  it('takes the SeveritySource vendor before the other vendors', () => {
    expect(
      trivyCvss({ amazon: { V3Score: 1 }, redhat: { V3Score: 4 }, ubuntu: { V3Score: 2 } }, 'ubuntu'),
    ).toEqual({
      score: 2,
      version: '3',
      source: 'ubuntu',
    });
  });

  it('otherwise takes the vendors in name order', () => {
    expect(trivyCvss({ redhat: { V3Score: 4 }, amazon: { V2Score: 1 } }, undefined)?.source).toBe('amazon');
  });

  it('takes V40, then V3, then V2 within a source, with the version its vector names', () => {
    const nvd = {
      V2Score: 5,
      V3Score: 6.1,
      V3Vector: 'CVSS:3.0/AV:N',
      V40Score: 8.7,
      V40Vector: 'CVSS:4.0/AV:N/AC:L',
    };
    expect(trivyCvss({ nvd }, undefined)).toEqual({ score: 8.7, version: '4.0', source: 'nvd' });
    expect(trivyCvss({ nvd: { V2Score: 5, V3Score: 6.1, V3Vector: 'CVSS:3.0/AV:N' } }, undefined)).toEqual({
      score: 6.1,
      version: '3.0',
      source: 'nvd',
    });
    expect(trivyCvss({ nvd: { V2Score: 5 } }, undefined)).toEqual({ score: 5, version: '2', source: 'nvd' });
  });

  it('skips a source with vectors only, and is undefined when no source scores', () => {
    expect(trivyCvss({ nvd: { V3Vector: 'CVSS:3.1/AV:N' }, redhat: { V3Score: 3 } }, undefined)?.source).toBe(
      'redhat',
    );
    expect(trivyCvss({ nvd: { V3Vector: 'CVSS:3.1/AV:N' } }, undefined)).toBeUndefined();
    expect(trivyCvss(undefined, 'nvd')).toBeUndefined();
  });

  it('is not fooled by a source named after an Object property', () => {
    expect(trivyCvss({}, 'constructor')).toBeUndefined();
    expect(trivyCvss({}, '__proto__')).toBeUndefined();
  });

  it('refuses a score outside 0-10, naming the field', () => {
    const error = failure(withFirst((v) => ((v.CVSS as { nvd: { V3Score: number } }).nvd.V3Score = 11)));
    expect(error.field).toBe('Results.0.Vulnerabilities.0.CVSS.nvd.V3Score');
  });
});

describe('parseTrivyReport: the report', () => {
  it('refuses a report without ArtifactName or ArtifactType, which Trivy always writes', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
    delete raw.ArtifactName;
    expect(failure(raw).field).toBe('ArtifactName');
  });

  it('reads a report with no Results as one without vulnerabilities', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
    delete (raw as { Results?: unknown }).Results;
    expect(parseTrivyReport(raw).findings).toEqual([]);
  });

  it('refuses Results or Vulnerabilities that are not lists (null included)', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
    (raw.Results[0] as { Vulnerabilities: unknown }).Vulnerabilities = null;
    expect(failure(raw).field).toBe('Results.0.Vulnerabilities');
  });

  it('judges the vulnerabilities Trivy suppressed and still lists, and says so', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
    const [first] = raw.Results;
    const suppressed = { ...(first?.Vulnerabilities?.[0] ?? {}), VulnerabilityID: 'CVE-2026-99999' };
    (first as Record<string, unknown>).ExperimentalModifiedFindings = [
      {
        Type: 'vulnerability',
        Status: 'ignored',
        Statement: '',
        Source: '.trivyignore',
        Finding: suppressed,
      },
      { Type: 'secret', Status: 'ignored', Source: '.trivyignore', Finding: { RuleID: 'aws-access-key-id' } },
    ];
    const report = parseTrivyReport(raw);
    expect(report.findings.map((f) => f.id)).toContain('CVE-2026-99999');
    expect(report.findings).toHaveLength(3);
    expect(report.notes.join('\n')).toContain(
      '1 vulnerability Trivy suppressed (.trivyignore or VEX) is judged',
    );
  });

  it('refuses a suppressed vulnerability it cannot read, naming its field', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
    (raw.Results[0] as Record<string, unknown>).ExperimentalModifiedFindings = [
      { Type: 'vulnerability', Finding: { VulnerabilityID: 'CVE-1', Severity: 'BAD' } },
    ];
    expect(failure(raw).field).toBe('Results.0.ExperimentalModifiedFindings.0.Finding.Severity');
  });

  it('says what it does not judge: misconfigurations, secrets, licenses', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-debian-buster.json'));
    raw.Results.push({ Target: 'Dockerfile', Class: 'config', Misconfigurations: [{}, {}] });
    raw.Results.push({ Target: '/app/.env', Class: 'secret', Secrets: [{}] });
    expect(parseTrivyReport(raw).notes).toEqual([
      'the report also lists 2 misconfigurations, 1 secret: the policy judges vulnerabilities only',
    ]);
  });
});
