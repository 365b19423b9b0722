import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../../cli/main';
import type { CliIo } from '../../../cli/command';

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
