import { verdictAlertPatterns, verdictAlerts, type AlertPolicy } from '../../../shared/app/alerts';

const defaults: AlertPolicy = { verdicts: ['REJECTED', 'ERROR', 'REVOKED'], tagViolations: true };

describe('verdictAlerts', () => {
  it.each([
    ['REJECTED', 'enforce', [], true],
    ['ERROR', 'enforce', [], true],
    ['REVOKED', 'enforce', [], true],
    ['APPROVED', 'enforce', [], false],
    ['APPROVED', 'warn', [], false],
    ['APPROVED', 'warn', ['CVE-1 would block'], true],
  ] as const)('%s in %s mode with warnings %j alerts: %s', (verdict, mode, warnings, expected) => {
    expect(verdictAlerts(defaults, { verdict, mode, warnings })).toBe(expected);
  });

  it('leaves warn-mode warnings out when REJECTED does not alert', () => {
    expect(
      verdictAlerts(
        { ...defaults, verdicts: ['ERROR'] },
        { verdict: 'APPROVED', mode: 'warn', warnings: ['w'] },
      ),
    ).toBe(false);
  });
});

describe('verdictAlertPatterns', () => {
  it('matches the configured verdicts and warn-mode approvals', () => {
    expect(verdictAlertPatterns(defaults)).toEqual([
      { verdict: ['ERROR', 'REJECTED', 'REVOKED'] },
      { verdict: ['APPROVED'], mode: ['warn'] },
    ]);
  });

  it('needs no warn-mode pattern when every approval alerts, and none at all when nothing does', () => {
    expect(verdictAlertPatterns({ ...defaults, verdicts: ['APPROVED', 'REJECTED'] })).toEqual([
      { verdict: ['APPROVED', 'REJECTED'] },
    ]);
    expect(verdictAlertPatterns({ ...defaults, verdicts: [] })).toEqual([]);
  });
});
