import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyValidationError } from '../../../shared/core/domain';
import { DEFAULT_COMPLETE_STATUSES, parsePolicy } from '../../../shared/core/policy';

const FIXTURES = join(__dirname, '../../fixtures/policy');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const failure = (text: string): PolicyValidationError => {
  try {
    parsePolicy(text, 'test.policy.yaml');
  } catch (error) {
    if (error instanceof PolicyValidationError) return error;
    throw error;
  }
  throw new Error('expected the policy to be refused');
};

describe('parsePolicy', () => {
  it('reads the example policy exactly as written', () => {
    const { policy, digest } = parsePolicy(fixture('tollgate.policy.yaml'));
    expect(policy.defaults).toEqual({
      severityLimits: { CRITICAL: 0, HIGH: 0, MEDIUM: 20 },
      maxCvss: 9,
      ignoreUnfixed: false,
      blockExploitAvailable: true,
    });
    expect(policy.exceptions).toEqual([
      {
        id: 'CVE-2026-12345',
        package: 'openssl',
        repositories: ['payments/*'],
        reason: 'Not reachable: TLS is terminated at the load balancer',
        // YAML 1.2 keeps an unquoted date a string; nothing turns it into a local-time Date.
        expires: '2027-01-31',
      },
    ]);
    expect(policy.repositories).toEqual([
      { match: 'sandbox/*', mode: 'warn' },
      { match: 'legacy/*', severityLimits: { HIGH: 10 } },
    ]);
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('gives an empty document every default', () => {
    expect(parsePolicy('').policy).toEqual({ defaults: {}, exceptions: [], repositories: [] });
    expect(DEFAULT_COMPLETE_STATUSES).toContain('COMPLETE');
  });

  it('defaults an exception to every repository', () => {
    const { policy } = parsePolicy('exceptions: [{ id: CVE-1, reason: r, expires: 2027-01-01 }]');
    expect(policy.exceptions[0]?.repositories).toEqual(['*']);
  });

  it('digests the exact bytes, so any edit changes the digest', () => {
    const text = fixture('tollgate.policy.yaml');
    expect(parsePolicy(text).digest).toBe(parsePolicy(text).digest);
    expect(parsePolicy(`${text}\n# a comment\n`).digest).not.toBe(parsePolicy(text).digest);
  });

  it.each([
    [
      'an unknown key under defaults',
      fixture('unknown-key.policy.yaml'),
      'defaults.maxCVSS',
      'did you mean maxCvss?',
    ],
    ['an exception without a reason', fixture('missing-reason.policy.yaml'), 'exceptions.0.reason', ''],
    [
      'an empty reason',
      'exceptions: [{ id: X, reason: "  ", expires: 2027-01-01 }]',
      'exceptions.0.reason',
      'reason',
    ],
    ['an unknown top-level key', 'default: {}', 'default', 'did you mean defaults?'],
    [
      'an unknown severity',
      'defaults: { severityLimits: { SEVERE: 1 } }',
      'defaults.severityLimits.SEVERE',
      'unknown key',
    ],
    [
      'a misspelt severity',
      'defaults: { severityLimits: { critical: 1 } }',
      'defaults.severityLimits.critical',
      'CRITICAL',
    ],
    [
      'an unknown override key',
      'repositories: [{ match: "a/*", enforce: true }]',
      'repositories.0.enforce',
      'unknown',
    ],
    [
      'an unknown exception key',
      'exceptions: [{ id: X, reason: r, expires: 2027-01-01, until: 1 }]',
      'exceptions.0.until',
      '',
    ],
    [
      'an impossible date',
      'exceptions: [{ id: X, reason: r, expires: 2027-02-30 }]',
      'exceptions.0.expires',
      'YYYY-MM-DD',
    ],
    [
      'a date with a time',
      'exceptions: [{ id: X, reason: r, expires: "2027-02-01T00:00:00Z" }]',
      'exceptions.0.expires',
      '',
    ],
    ['a negative limit', 'defaults: { severityLimits: { HIGH: -1 } }', 'defaults.severityLimits.HIGH', ''],
    ['a fractional limit', 'defaults: { severityLimits: { HIGH: 1.5 } }', 'defaults.severityLimits.HIGH', ''],
    ['a CVSS above 10', 'defaults: { maxCvss: 11 }', 'defaults.maxCvss', ''],
    ['an unknown mode', 'repositories: [{ match: "a/*", mode: audit }]', 'repositories.0.mode', ''],
    ['an override without match', 'repositories: [{ mode: warn }]', 'repositories.0.match', ''],
    ['no complete status', 'defaults: { completeStatuses: [] }', 'defaults.completeStatuses', ''],
    ['a list for a document', '- 1', '(root)', ''],
    ['broken YAML', 'defaults: [', '(root)', 'not valid YAML'],
  ])('refuses %s, naming the field', (_name, text, field, message) => {
    const error = failure(text);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`test.policy.yaml: ${field}`);
    expect(error.message).toContain(message);
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('INVALID_POLICY');
  });

  it('names every unknown key, not only the first', () => {
    const error = failure('defaults: { maxCVSS: 9, blockExploit: true }');
    expect(error.issues.map((issue) => issue.field)).toEqual(['defaults.maxCVSS', 'defaults.blockExploit']);
  });
});
