import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../cli/main';
import type { CliIo } from '../../../cli/command';
import { readBoundedText } from '../../../cli/commands/evaluate-input';
import { ReportLimitError } from '../../../shared/core/findings/scanners';
import { SHARED_DIR } from '../../helpers/shared-data';

const ROOT = resolve(__dirname, '../../..');
const findings = (name: string): string => join(ROOT, 'test/fixtures/findings', name);
const policyFile = (name: string): string => join(ROOT, 'test/fixtures/policy', name);
const POLICY = policyFile('tollgate.policy.yaml');
// Before the example exception (CVE-2026-12345 in openssl, payments/*) expires on 2027-01-31.
const BEFORE_EXPIRY = '2026-12-01T00:00:00Z';

const run = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) };
  const code = await main(['evaluate', ...argv], io);
  return { code, stdout, stderr };
};

interface JsonOutput {
  verdict: string;
  image: string;
  format: string;
  reasons: string[];
  blocking: { id: string; severity: string; package: string | null; rule: string }[];
  blockingTotal: number;
  exceptionsApplied: { id: string; matched: number }[];
  staleExceptions: { id: string }[];
  expiredExceptions: { id: string }[];
  warnings: string[];
  policyDigest: string;
}

const json = async (...argv: string[]): Promise<{ code: number; output: JsonOutput }> => {
  const { code, stdout } = await run(...argv, '--json');
  return { code, output: JSON.parse(stdout) as JsonOutput };
};

describe('tollgate evaluate', () => {
  it('exits 0 for an approved image', async () => {
    const { code, stdout, stderr } = await run(
      '--findings',
      findings('enhanced-approved.json'),
      '--policy',
      POLICY,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^APPROVED {2}web\/frontend@sha256:b{64}\n/);
    expect(stdout).toContain('no finding breaks the policy');
    expect(stderr).toBe('');
  });

  it('exits 1 for a rejected image, with tables of blocking findings and exceptions applied', async () => {
    const { code, stdout } = await run(
      '--findings',
      findings('enhanced-rejected.json'),
      '--policy',
      POLICY,
      '--now',
      BEFORE_EXPIRY,
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^REJECTED {2}payments\/api@sha256:7f5b/);
    expect(stdout).toContain('Blocking findings (1 of 1):');
    expect(stdout).toMatch(/CVE-2026-22222 +HIGH +curl +severityLimits\.HIGH/);
    expect(stdout).toContain('Exceptions applied:');
    expect(stdout).toMatch(/CVE-2026-12345 +openssl +1 +2027-01-31 +Not reachable/);
  });

  it('prints the verdict as JSON', async () => {
    const { code, output } = await json(
      '--findings',
      findings('enhanced-rejected.json'),
      '--policy',
      POLICY,
      '--now',
      BEFORE_EXPIRY,
    );
    expect(code).toBe(1);
    expect(output.verdict).toBe('REJECTED');
    expect(output.blocking).toEqual([
      { id: 'CVE-2026-22222', severity: 'HIGH', package: 'curl', rule: 'severityLimits.HIGH' },
    ]);
    expect(output.exceptionsApplied).toMatchObject([{ id: 'CVE-2026-12345', matched: 1 }]);
    expect(output.staleExceptions).toEqual([]);
    expect(output.policyDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('judges against --now: after the exception expires, it no longer applies', async () => {
    const { output } = await json(
      '--findings',
      findings('enhanced-rejected.json'),
      '--policy',
      POLICY,
      '--now',
      '2027-02-01',
    );
    expect(output.blocking.map((entry) => entry.id)).toEqual(['CVE-2026-12345', 'CVE-2026-22222']);
    expect(output.expiredExceptions).toMatchObject([{ id: 'CVE-2026-12345' }]);
    expect(output.warnings.join('\n')).toContain('expired on 2027-01-31');
  });

  it('judges as --repository, and reports the exception of the other repository as nothing', async () => {
    const { code, output } = await json(
      '--findings',
      findings('enhanced-rejected.json'),
      '--policy',
      POLICY,
      '--repository',
      'sandbox/api',
      '--now',
      BEFORE_EXPIRY,
    );
    // sandbox/* is in warn mode: approved, every violation a warning.
    expect(code).toBe(0);
    expect(output.verdict).toBe('APPROVED');
    expect(output.blocking.map((entry) => entry.id)).toEqual(['CVE-2026-12345', 'CVE-2026-22222']);
    expect(output.warnings.length).toBeGreaterThanOrEqual(2);
    expect(output.staleExceptions).toEqual([]);
  });

  it('reads a multi-page array, the blocking finding being on the second page', async () => {
    const { code, output } = await json('--findings', findings('multi-page.json'), '--policy', POLICY);
    expect(code).toBe(1);
    expect(output.blocking).toMatchObject([
      { id: 'CVE-2026-81111', severity: 'CRITICAL', package: 'libssh' },
    ]);
    expect(output.staleExceptions).toMatchObject([{ id: 'CVE-2026-12345' }]);
  });

  it('exits 2 with an ERROR verdict for a failed scan', async () => {
    const { code, stdout } = await run('--findings', findings('scan-failed.json'), '--policy', POLICY);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^ERROR/);
    expect(stdout).toContain('SCAN_FAILED: scan status FAILED');
  });

  it('exits 2 for a findings file with a missing page', async () => {
    const { code, output } = await json('--findings', findings('truncated.json'), '--policy', POLICY);
    expect(code).toBe(2);
    expect(output.verdict).toBe('ERROR');
    expect(output.reasons[0]).toContain('nextToken');
  });

  it('exits 2 for a bad policy, naming the field', async () => {
    const { code, stdout, stderr } = await run(
      '--findings',
      findings('enhanced-approved.json'),
      '--policy',
      policyFile('unknown-key.policy.yaml'),
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('defaults.maxCVSS: unknown key (did you mean maxCvss?)');
  });

  it('exits 2 for a bad findings file, naming the field', async () => {
    const { code, stderr } = await run('--findings', findings('bad-severity.json'), '--policy', POLICY);
    expect(code).toBe(2);
    expect(stderr).toContain('imageScanFindings.enhancedFindings.1.severity');
  });

  it('exits 2 for a findings file that is not JSON, or not there', async () => {
    const notJson = await run('--findings', POLICY, '--policy', POLICY);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('is not JSON');
    const missing = await run('--findings', findings('no-such-file.json'), '--policy', POLICY);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the findings file');
  });

  it.each([
    [['--findings', 'x.json'], '--policy FILE is required'],
    [['--policy', 'p.yaml'], '--findings FILE is required'],
    [['--findings', 'x.json', '--policy', 'p.yaml', '--verbose'], "Unknown option '--verbose'"],
    [['--findings', 'x.json', '--policy', 'p.yaml', 'extra'], 'extra'],
  ])('exits 2 with usage for %p', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: tollgate evaluate');
  });

  it('exits 2 with usage for a --now that is no date', async () => {
    const { code, stderr } = await run(
      '--findings',
      findings('enhanced-approved.json'),
      '--policy',
      POLICY,
      '--now',
      'soon',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--now');
  });

  it('is listed in help', async () => {
    let stdout = '';
    expect(await main(['--help'], { stdout: (text) => (stdout += text), stderr: () => undefined })).toBe(0);
    expect(stdout).toContain('evaluate');
  });

  it('runs from the bin script', () => {
    const result = spawnSync(
      process.execPath,
      [
        'cli/bin/tollgate.js',
        'evaluate',
        '--findings',
        findings('multi-page.json'),
        '--policy',
        POLICY,
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect((JSON.parse(result.stdout) as JsonOutput).verdict).toBe('REJECTED');
  });
});

const scanner = (name: string): string => join(SHARED_DIR, 'scanners', name);
const raw = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(scanner(name), 'utf8')) as T;

describe('tollgate evaluate: Trivy and Grype reports under the same policy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-evaluate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  const PUSHED = `sha256:${'5'.repeat(64)}`;
  const OTHER = `sha256:${'6'.repeat(64)}`;
  const ECR_IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api@${PUSHED}`;

  /** The real debian-buster report as Trivy writes it for an image scanned from a registry. */
  const pushedTrivy = (): string => {
    const report = raw<{ Metadata: Record<string, unknown> }>('trivy-debian-buster.json');
    report.Metadata.RepoDigests = [ECR_IMAGE.replace(/@.*/, `@${PUSHED}`)];
    return write('trivy-pushed.json', report);
  };

  /** The real grype-image report as Grype writes it for a registry scan: the index in repoDigests. */
  const pushedGrype = (): string => {
    const report = raw<{ source: { target: Record<string, unknown> } }>('grype-image.json');
    report.source.target.repoDigests = [ECR_IMAGE];
    return write('grype-pushed.json', report);
  };

  it('judges a real Trivy report: exit 1, the CRITICAL finding blocking, the report named', async () => {
    const { code, stdout, stderr } = await run(
      '--findings',
      scanner('trivy-debian-buster.json'),
      '--policy',
      POLICY,
    );
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^REJECTED {2}aquasecurity\/trivy-test-images@sha256:c2c03a29/);
    expect(stdout).toContain('  scan   TRIVY COMPLETE, completed 2021-08-25T12:20:30.000Z');
    expect(stdout).toContain('  report Trivy dev, testdata/fixtures/images/debian-buster.tar.gz');
    expect(stdout).toMatch(/CVE-2019-18224 +CRITICAL +libidn2-0 +severityLimits\.CRITICAL/);
    // An archive scan names no registry digest: the verdict says what it is shown by.
    expect(stdout).toContain('names no registry digest: the image is shown by its image ID');
  });

  it('approves a real Trivy report the policy passes: exit 0', async () => {
    const { code, output } = await json('--findings', scanner('trivy-alpine-310.json'), '--policy', POLICY);
    expect(code).toBe(0);
    expect(output).toMatchObject({ verdict: 'APPROVED', format: 'trivy', blocking: [], blockingTotal: 0 });
  });

  it('judges a real Grype report: exit 1, the KEV-listed CRITICAL match blocking', async () => {
    const { code, output } = await json('--findings', scanner('grype-image.json'), '--policy', POLICY);
    expect(code).toBe(1);
    expect(output.format).toBe('grype');
    expect(output.blocking).toEqual([
      { id: 'CVE-1999-0002', severity: 'CRITICAL', package: 'package-2', rule: 'severityLimits.CRITICAL' },
    ]);
  });

  it('judges --image REF@DIGEST a Trivy report names, as the repository --image names', async () => {
    const { code, output } = await json(
      '--findings',
      pushedTrivy(),
      '--policy',
      POLICY,
      '--image',
      ECR_IMAGE,
    );
    expect(code).toBe(1);
    expect(output.image).toBe(`payments/api@${PUSHED}`);
    // Tied to the digest: no warning about how the image is named (only the stale payments/* exception).
    expect(output.warnings.join('\n')).not.toContain('digest');
  });

  it('refuses --image when the Trivy report is about another digest: exit 2, nothing judged', async () => {
    const other = ECR_IMAGE.replace(PUSHED, OTHER);
    const { code, stdout, stderr } = await run(
      '--findings',
      pushedTrivy(),
      '--policy',
      POLICY,
      '--image',
      other,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `is about ${PUSHED}, not ${OTHER}: a report on another image cannot judge this one`,
    );
  });

  it('refuses --image when the report names no digest at all (an archive scan): exit 2', async () => {
    const { code, stdout, stderr } = await run(
      '--findings',
      scanner('trivy-alpine-310.json'),
      '--policy',
      POLICY,
      '--image',
      ECR_IMAGE,
      '--json',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('names no image digest, so it cannot be shown to be about');
    expect(stderr).toContain('Metadata.RepoDigests is empty');
  });

  it("matches Grype's repoDigests (the index) and its manifestDigest (the platform image)", async () => {
    const file = pushedGrype();
    const manifest = raw<{ source: { target: { manifestDigest: string } } }>('grype-image.json').source.target
      .manifestDigest;
    expect((await run('--findings', file, '--policy', POLICY, '--image', ECR_IMAGE)).code).toBe(1);
    const platform = ECR_IMAGE.replace(PUSHED, manifest);
    expect((await run('--findings', file, '--policy', POLICY, '--image', platform)).code).toBe(1);
    const other = await run(
      '--findings',
      file,
      '--policy',
      POLICY,
      '--image',
      ECR_IMAGE.replace(PUSHED, OTHER),
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`is about ${PUSHED}, ${manifest}, not ${OTHER}`);
  });

  it('checks --image against an ECR scan result too', async () => {
    const approved = `registry.example/web/frontend@sha256:${'b'.repeat(64)}`;
    const ok = await json(
      '--findings',
      findings('enhanced-approved.json'),
      '--policy',
      POLICY,
      '--image',
      approved,
    );
    expect(ok.code).toBe(0);
    const mismatch = await run(
      '--findings',
      findings('enhanced-approved.json'),
      '--policy',
      POLICY,
      '--image',
      approved.replace(/b{64}/, 'c'.repeat(64)),
    );
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('a report on another image cannot judge this one');
  });

  it('judges as --repository over the repository --image and the report name', async () => {
    const { code, output } = await json(
      '--findings',
      pushedTrivy(),
      '--policy',
      POLICY,
      '--image',
      ECR_IMAGE,
      '--repository',
      'sandbox/api',
    );
    // sandbox/* is in warn mode.
    expect(code).toBe(0);
    expect(output.image).toBe(`sandbox/api@${PUSHED}`);
    expect(output.warnings.join('\n')).toContain('CVE-2019-18224');
  });

  it('refuses a report that names no image at all: exit 2', async () => {
    const { code, stderr } = await run('--findings', scanner('grype-empty.json'), '--policy', POLICY);
    expect(code).toBe(2);
    expect(stderr).toContain('names no image: no repo digest, no manifest digest, no image ID');
  });

  it('refuses a file that is none of the three reports, saying what was expected: exit 2', async () => {
    const { code, stdout, stderr } = await run(
      '--findings',
      write('sbom.json', { bomFormat: 'CycloneDX' }),
      '--policy',
      POLICY,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'is none of the reports Tollgate reads: expected an ECR DescribeImageScanFindings response',
    );
    expect(stderr).toContain('a Trivy JSON report (SchemaVersion 2; trivy image --format json)');
    expect(stderr).toContain('a Grype JSON report (matches, descriptor; grype -o json)');
    expect(stderr).toContain('it is an object with keys "bomFormat"');
  });

  it('reads the format --format names, and refuses a file plainly of another', async () => {
    const trivy = await run(
      '--findings',
      scanner('trivy-alpine-310.json'),
      '--policy',
      POLICY,
      '--format',
      'trivy',
    );
    expect(trivy.code).toBe(0);
    const wrong = await run(
      '--findings',
      scanner('grype-image.json'),
      '--policy',
      POLICY,
      '--format',
      'trivy',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--format trivy, but');
    expect(wrong.stderr).toContain('is a Grype report (matches)');
  });

  it('exits 2 for a finding it cannot read, naming the field: it is never dropped', async () => {
    const report = raw<{ Results: { Vulnerabilities: Record<string, unknown>[] }[] }>(
      'trivy-debian-buster.json',
    );
    (report.Results[0]?.Vulnerabilities[1] as Record<string, unknown>).Severity = 'SEVERE';
    const { code, stdout, stderr } = await run('--findings', write('bad.json', report), '--policy', POLICY);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('malformed Trivy report');
    expect(stderr).toContain(
      'Results.0.Vulnerabilities.1.Severity: expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN',
    );
  });

  it('handles a severity the policy does not name as the ECR path does', async () => {
    const trivy = raw<{ Results: { Vulnerabilities: Record<string, unknown>[] }[] }>('trivy-alpine-310.json');
    for (const vulnerability of trivy.Results[0]?.Vulnerabilities ?? []) vulnerability.Severity = 'UNKNOWN';
    const grype = raw<{ matches: { vulnerability: Record<string, unknown> }[] }>('grype-image.json');
    for (const match of grype.matches) match.vulnerability.severity = 'Unknown';
    const ecr = JSON.parse(readFileSync(findings('enhanced-approved.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const ecrFindings = (ecr.imageScanFindings as { enhancedFindings: Record<string, unknown>[] })
      .enhancedFindings;
    for (const finding of ecrFindings) finding.severity = 'UNDEFINED';
    const files = [write('u-trivy.json', trivy), write('u-grype.json', grype), write('u-ecr.json', ecr)];
    const unnamed = write('unnamed.policy.yaml', 'defaults:\n  severityLimits: { CRITICAL: 0 }\n');
    const named = write('named.policy.yaml', 'defaults:\n  severityLimits: { CRITICAL: 0, UNDEFINED: 0 }\n');
    for (const file of files) {
      // Not named: unlimited, as for any severity a policy leaves out.
      expect((await json('--findings', file, '--policy', unnamed)).output.verdict).toBe('APPROVED');
      const { output } = await json('--findings', file, '--policy', named);
      expect(output.verdict).toBe('REJECTED');
      expect(
        output.blocking.every(
          (entry) => entry.severity === 'UNDEFINED' && entry.rule === 'severityLimits.UNDEFINED',
        ),
      ).toBe(true);
    }
  });

  it('refuses a findings file over 128 MiB before reading it: exit 2', async () => {
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 128 * 1024 * 1024 + 1);
    const { code, stderr } = await run('--findings', huge, '--policy', POLICY);
    expect(code).toBe(2);
    expect(stderr).toContain('is larger than 128 MiB, the most Tollgate reads');
  });

  it('stops reading a file that never ends at the limit', () => {
    expect(() => readBoundedText('/dev/zero', 'findings', 4096)).toThrow(ReportLimitError);
    expect(readBoundedText(write('small.json', '\ufeff{}'), 'findings', 4096)).toBe('{}');
  });

  it('prints what a hostile report names with terminal controls escaped', async () => {
    const report = raw<{
      matches: { vulnerability: Record<string, unknown>; artifact: Record<string, unknown> }[];
    }>('grype-image.json');
    const critical = report.matches[1] as {
      vulnerability: Record<string, unknown>;
      artifact: Record<string, unknown>;
    };
    critical.vulnerability.id = 'CVE-1\u001b[2J\u202e';
    critical.artifact.name = 'pkg\u0007';
    const { code, stdout } = await run('--findings', write('hostile.json', report), '--policy', POLICY);
    expect(code).toBe(1);
    expect(stdout).toContain('CVE-1\\u001b[2J\\u202e');
    expect(stdout).toContain('pkg\\u0007');
    expect(stdout).not.toContain('\u001b');
    expect(stdout).not.toContain('\u202e');
    expect(stdout).not.toContain('\u0007');
  });

  it.each([
    [['--format', 'sarif'], '--format: expected one of ecr, trivy, grype, got "sarif"'],
    [['--image', 'registry.example/team/app:1.0'], 'names no digest: pass REF@sha256:<64 hex>'],
    [['--image', 'Registry.example/Team/App@sha256:1'], '--image: '],
  ])('exits 2 with usage for %p', async (extra, message) => {
    const { code, stderr } = await run(
      '--findings',
      scanner('grype-image.json'),
      '--policy',
      POLICY,
      ...extra,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: tollgate evaluate');
  });

  it('documents the new flags in its help', async () => {
    let stdout = '';
    const code = await main(['evaluate', '--help'], {
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('--format FORMAT');
    expect(stdout).toContain('--image REF@DIGEST');
    expect(stdout).toContain('trivy image --format json');
    expect(stdout).toContain('grype IMAGE -o json');
  });
});
