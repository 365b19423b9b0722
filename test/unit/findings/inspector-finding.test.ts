import { parseFindingEvent } from '../../../shared/core/events';
import { enhancedFindingSchema } from '../../../shared/core/findings';
import { findingsFingerprint } from '../../../shared/app/judge';
import { loadSampleEvent } from '../../helpers/shared-data';

/**
 * The same Inspector finding reaches Tollgate two ways: in an `Inspector2 Finding` event and in ECR's
 * DescribeImageScanFindings. Both must give the same Finding, or the fingerprint (which hashes every field)
 * would differ and an unchanged finding would look new.
 */
describe('one Inspector finding, two deliveries', () => {
  const event = loadSampleEvent('inspector2-finding-critical.json');
  const detail = event.detail as Record<string, unknown>;

  const withFixedIn = (fixedInVersion: string): Record<string, unknown> => {
    const vuln = detail.packageVulnerabilityDetails as { vulnerablePackages: Record<string, unknown>[] };
    return {
      ...detail,
      packageVulnerabilityDetails: {
        ...vuln,
        vulnerablePackages: vuln.vulnerablePackages.map((pkg) => ({ ...pkg, fixedInVersion })),
      },
    };
  };

  it.each(['NotAvailable', '1.2.3'])('gives the same Finding with fixedInVersion %s', (fixedInVersion) => {
    const fromEvent = parseFindingEvent({ ...event, detail: withFixedIn(fixedInVersion) }).finding;
    const fromScan = enhancedFindingSchema.parse(withFixedIn(fixedInVersion)).finding;
    expect(fromEvent).toEqual(fromScan);
    expect(findingsFingerprint('COMPLETE', [fromEvent])).toBe(findingsFingerprint('COMPLETE', [fromScan]));
    // "NotAvailable" is Inspector's word for no fixed version: it is no version.
    expect(fromEvent.fixedInVersion).toBe(fixedInVersion === 'NotAvailable' ? undefined : fixedInVersion);
  });
});
