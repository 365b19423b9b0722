import { countBySeverity, type Finding, type SeverityCounts } from '../../../../shared/core/domain';
import {
  parseGrypeReport,
  parseTrivyReport,
  readScanReport,
  type ScannerReport,
} from '../../../../shared/core/findings/scanners';
import { GRYPE_REPORTS, TRIVY_REPORTS, copy, loadReport } from './render';

// The tests' own reading of each scanner's severities, independent of the parsers': Trivy's UNKNOWN and Grype's
// Unknown are ECR's UNDEFINED, Grype's Negligible ECR's INFORMATIONAL.
const EXPECTED_SEVERITY: Record<string, string> = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  UNKNOWN: 'UNDEFINED',
  NEGLIGIBLE: 'INFORMATIONAL',
};

interface RawTrivy {
  Results?: { Vulnerabilities?: Record<string, unknown>[] }[];
  Metadata: Record<string, unknown>;
}
interface RawGrype {
  matches: { vulnerability: { severity: string } }[];
  source: { type: string; target: unknown };
}

const rawCounts = (severities: readonly string[]): SeverityCounts => {
  const counts: Record<string, number> = {};
  for (const severity of severities) {
    const expected = EXPECTED_SEVERITY[severity.toUpperCase()] ?? `unmapped ${severity}`;
    counts[expected] = (counts[expected] ?? 0) + 1;
  }
  return counts;
};

const trivySeverities = (raw: RawTrivy): string[] =>
  (raw.Results ?? []).flatMap((result) => (result.Vulnerabilities ?? []).map((v) => v.Severity as string));

const find = (report: ScannerReport, id: string, pkg?: string): Finding => {
  const found = report.findings.find((f) => f.id === id && (pkg === undefined || f.package?.name === pkg));
  if (found === undefined) throw new Error(`no finding ${id} ${pkg ?? ''}`);
  return found;
};

describe('the real Trivy reports in ../shared/scanners', () => {
  it.each(TRIVY_REPORTS)(
    '%s: every vulnerability is read, with the counts per severity the report has',
    (name) => {
      const raw = loadReport<RawTrivy>(name);
      const read = readScanReport(raw, { source: name });
      expect(read.format).toBe('trivy');
      const report = (read as { report: ScannerReport }).report;
      const severities = trivySeverities(raw);
      expect(severities.length).toBeGreaterThan(0);
      expect(report.findings).toHaveLength(severities.length);
      expect(report.scan.severityCounts).toEqual(rawCounts(severities));
      expect(countBySeverity(report.findings)).toEqual(rawCounts(severities));
      // Each finding is the report's vulnerability, in the report's order.
      const ids = (raw.Results ?? []).flatMap((r) => (r.Vulnerabilities ?? []).map((v) => v.VulnerabilityID));
      expect(report.findings.map((f) => f.id)).toEqual(ids);
      expect(report.scan).toMatchObject({
        scanner: 'TRIVY',
        status: 'COMPLETE',
        completedAt: '2021-08-25T12:20:30.000Z',
      });
    },
  );

  const alpine = parseTrivyReport(loadReport('trivy-alpine-310.json'));
  const debian = parseTrivyReport(loadReport('trivy-debian-buster.json'));
  const centos = parseTrivyReport(loadReport('trivy-centos-7-ignore-unfixed.json'));

  it('maps a fixed finding: severity, NVD CVSS v3.1 over Red Hat, package, version, fixed-in, fix YES', () => {
    // CVSS.nvd.V3Score 5.3 (CVSS:3.1), CVSS.redhat.V3Score 4.8: NVD first.
    expect(find(alpine, 'CVE-2019-1549', 'libcrypto1.1')).toEqual({
      id: 'CVE-2019-1549',
      severity: 'MEDIUM',
      title: 'openssl: information disclosure in fork()',
      description: expect.stringContaining(
        'OpenSSL 1.1.1 introduced a rewritten random number generator',
      ) as string,
      cvss: { score: 5.3, version: '3.1' },
      package: { name: 'libcrypto1.1', version: '1.1.1c-r0' },
      fixedInVersion: '1.1.1d-r0',
      fixAvailable: 'YES',
      sourceUrl: 'https://avd.aquasec.com/nvd/cve-2019-1549',
    });
  });

  it('maps Status affected with no FixedVersion to fix NO, and leaves exploit availability unknown', () => {
    const bash = find(debian, 'CVE-2019-18276', 'bash');
    expect(bash).toMatchObject({
      severity: 'LOW',
      fixAvailable: 'NO',
      package: { name: 'bash', version: '5.0-4' },
    });
    expect(bash).not.toHaveProperty('fixedInVersion');
    expect(debian.findings.every((f) => f.exploitAvailable === undefined)).toBe(true);
  });

  it("takes NVD's score even when the severity came from the vendor (SeveritySource redhat)", () => {
    // CVE-2019-1559: nvd V3Score 5.9 with a CVSS:3.0 vector; redhat V3Score 5.9 with CVSS:3.1.
    expect(find(centos, 'CVE-2019-1559').cvss).toEqual({ score: 5.9, version: '3.0' });
    // CVE-2019-18224: nvd 9.8 (3.1), redhat 5.6 (3.0): a maxCvss 9.0 policy must see 9.8.
    expect(find(debian, 'CVE-2019-18224').cvss).toEqual({ score: 9.8, version: '3.1' });
  });

  it("falls back to the SeveritySource vendor's CVSS when NVD has none", () => {
    const raw = copy(loadReport<RawTrivy>('trivy-centos-7-ignore-unfixed.json'));
    for (const v of raw.Results?.[0]?.Vulnerabilities ?? []) delete (v.CVSS as Record<string, unknown>).nvd;
    const report = parseTrivyReport(raw);
    // redhat: CVE-2019-1559 V3Score 5.9, CVSS:3.1; CVE-2018-0734 V3Score 5.1, CVSS:3.0.
    expect(find(report, 'CVE-2019-1559').cvss).toEqual({ score: 5.9, version: '3.1' });
    expect(find(report, 'CVE-2018-0734').cvss).toEqual({ score: 5.1, version: '3.0' });
  });

  it('reads the image: no RepoDigests in an archive scan, the ImageID, the repository from RepoTags', () => {
    const raw = loadReport<RawTrivy>('trivy-alpine-310.json');
    expect(alpine.digests).toEqual([]);
    expect(alpine.imageId).toBe(raw.Metadata.ImageID);
    // ArtifactID is hash(ImageID + repository), not a digest any registry knows: never taken for one.
    expect(alpine.digests).not.toContain((raw as unknown as { ArtifactID: string }).ArtifactID);
    expect(alpine.references[0]).toEqual({
      registry: 'ghcr.io',
      repository: 'aquasecurity/trivy-test-images',
      tag: 'alpine-310',
    });
    expect(alpine).toMatchObject({
      scannerVersion: 'dev',
      artifactName: 'testdata/fixtures/images/alpine-310.tar.gz',
    });
  });

  it('reads the digest of each RepoDigests entry', () => {
    const raw = copy(loadReport<RawTrivy>('trivy-alpine-310.json'));
    const digest = `sha256:${'a'.repeat(64)}`;
    raw.Metadata.RepoDigests = [
      `ghcr.io/aquasecurity/trivy-test-images@${digest}`,
      `mirror.example/alpine@${digest}`,
    ];
    const report = parseTrivyReport(raw);
    expect(report.digests).toEqual([digest]);
    expect(report.references[0]).toMatchObject({ repository: 'aquasecurity/trivy-test-images', digest });
  });
});

describe('the real Grype reports in ../shared/scanners', () => {
  it.each(GRYPE_REPORTS)('%s: every match is read, with the counts per severity the report has', (name) => {
    const raw = loadReport<RawGrype>(name);
    const read = readScanReport(raw, { source: name });
    expect(read.format).toBe('grype');
    const report = (read as { report: ScannerReport }).report;
    const severities = raw.matches.map((match) => match.vulnerability.severity);
    expect(report.findings).toHaveLength(severities.length);
    expect(report.scan.severityCounts).toEqual(rawCounts(severities));
    expect(report.findings.map((f) => f.id)).toEqual(
      raw.matches.map((match) => (match.vulnerability as unknown as { id: string }).id),
    );
  });

  const image = parseGrypeReport(loadReport('grype-image.json'));

  it('maps a fixed match: severity, NVD CVSS, package, version, suggested fixed-in version, fix YES', () => {
    expect(find(image, 'CVE-1999-0001')).toEqual({
      id: 'CVE-1999-0001',
      severity: 'LOW',
      cvss: { score: 8.2, version: '3.1' },
      package: { name: 'package-1', version: '1.1.1' },
      // fix.versions [1.2.1, 2.1.3, 3.4.0]; matchDetails[].fix.suggestedVersion 1.2.1.
      fixedInVersion: '1.2.1',
      fixAvailable: 'YES',
    });
  });

  it('maps an empty fix state to unknown, and a CISA KEV listing to exploit YES', () => {
    const critical = find(image, 'CVE-1999-0002');
    expect(critical).toMatchObject({
      severity: 'CRITICAL',
      cvss: { score: 8.5, version: '3.1' },
      exploitAvailable: 'YES',
    });
    expect(critical).not.toHaveProperty('fixAvailable');
    expect(critical).not.toHaveProperty('fixedInVersion');
    // No knownExploited: not "NO", unknown.
    expect(find(image, 'CVE-1999-0001')).not.toHaveProperty('exploitAvailable');
  });

  it('reads the image: manifestDigest (repoDigests empty), imageID', () => {
    const raw = loadReport<{ source: { target: { manifestDigest: string; imageID: string } } }>(
      'grype-image.json',
    );
    expect(image.digests).toEqual([raw.source.target.manifestDigest]);
    expect(image.imageId).toBe(raw.source.target.imageID);
    expect(image.artifactName).toBe('user-input');
  });

  it('reads repoDigests before manifestDigest, each digest once', () => {
    const raw = copy(loadReport<RawGrype>('grype-image.json'));
    const target = raw.source.target as Record<string, unknown>;
    const index = `sha256:${'1'.repeat(64)}`;
    target.repoDigests = [`123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@${index}`];
    target.tags = ['123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0'];
    target.manifestDigest = index;
    const report = parseGrypeReport(raw);
    expect(report.digests).toEqual([index]);
    expect(report.references[0]).toMatchObject({ repository: 'team/app', digest: index });
  });

  it('reads the report with no source, as Grype writes it for an input it has no source for', () => {
    const empty = parseGrypeReport(loadReport('grype-empty.json'));
    expect(empty).toMatchObject({ findings: [], digests: [], references: [], artifactName: 'unknown' });
    expect(empty).not.toHaveProperty('imageId');
  });
});
