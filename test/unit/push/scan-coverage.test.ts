import { scanCoverage, type RegistryScanning } from '../../../shared/app/push';

const rule = (
  scanFrequency: RegistryScanning['rules'][number]['scanFrequency'],
  ...filters: string[]
): RegistryScanning['rules'][number] => ({
  scanFrequency,
  repositoryFilters: filters.map((filter) => ({ filter, filterType: 'WILDCARD' })),
});

describe('scanCoverage', () => {
  it('basic scan-on-push covering the repository: scan-on-push', () => {
    expect(
      scanCoverage({ scanType: 'BASIC', rules: [rule('SCAN_ON_PUSH', 'payments/*')] }, 'payments/api'),
    ).toBe('scan-on-push');
  });

  it('basic with no rule naming the repository: manual (StartImageScan)', () => {
    expect(scanCoverage({ scanType: 'BASIC', rules: [rule('SCAN_ON_PUSH', 'web/*')] }, 'payments/api')).toBe(
      'manual',
    );
    expect(scanCoverage({ scanType: 'BASIC', rules: [] }, 'payments/api')).toBe('manual');
  });

  it('basic with a MANUAL rule: manual', () => {
    expect(scanCoverage({ scanType: 'BASIC', rules: [rule('MANUAL', '*')] }, 'payments/api')).toBe('manual');
  });

  it.each(['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'] as const)(
    'enhanced %s covering the repository: enhanced',
    (f) => {
      expect(scanCoverage({ scanType: 'ENHANCED', rules: [rule(f, 'pay*')] }, 'payments/api')).toBe(
        'enhanced',
      );
    },
  );

  it('enhanced with no rule naming the repository: none (manual scans do not exist there)', () => {
    expect(
      scanCoverage({ scanType: 'ENHANCED', rules: [rule('CONTINUOUS_SCAN', 'web/*')] }, 'payments/api'),
    ).toBe('none');
    expect(scanCoverage({ scanType: 'ENHANCED', rules: [] }, 'payments/api')).toBe('none');
  });

  it('uses wildcard semantics: * crosses /, and nothing else is special', () => {
    const config: RegistryScanning = { scanType: 'ENHANCED', rules: [rule('SCAN_ON_PUSH', 'team.a/*')] };
    expect(scanCoverage(config, 'team.a/svc/deep')).toBe('enhanced');
    expect(scanCoverage(config, 'teamXa/svc')).toBe('none');
  });
});
