import { matchesGlob } from '../../core/domain/glob';

/** The parts of GetRegistryScanningConfiguration that decide coverage. */
export interface RegistryScanning {
  readonly scanType: 'BASIC' | 'ENHANCED';
  readonly rules: readonly {
    readonly scanFrequency: 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL';
    readonly repositoryFilters: readonly { readonly filter: string; readonly filterType: 'WILDCARD' }[];
  }[];
}

/**
 * - `scan-on-push`: basic scanning starts by itself; wait for its `ECR Image Scan` event.
 * - `enhanced`: Amazon Inspector scans it on push; wait for its `Inspector2 Scan` event.
 * - `manual`: basic scanning that must be started with StartImageScan.
 * - `none`: nothing will ever scan this repository, so an image in it can never be approved.
 */
export type ScanCoverage = 'scan-on-push' | 'enhanced' | 'manual' | 'none';

/** Which scanning covers `repository`. Filters use the same wildcard semantics as our globs. Pure. */
export const scanCoverage = (config: RegistryScanning, repository: string): ScanCoverage => {
  const frequencies = config.rules
    .filter((rule) => rule.repositoryFilters.some((filter) => matchesGlob(filter.filter, repository)))
    .map((rule) => rule.scanFrequency);
  if (config.scanType === 'ENHANCED') {
    // An enhanced registry scans only what its rules name (both frequencies scan on push), and
    // StartImageScan is not available there: a repository no rule names is not scanned at all.
    return frequencies.some((f) => f === 'SCAN_ON_PUSH' || f === 'CONTINUOUS_SCAN') ? 'enhanced' : 'none';
  }
  if (frequencies.includes('SCAN_ON_PUSH')) return 'scan-on-push';
  // Basic scanning can always be started by hand, whether or not a MANUAL rule names the repository.
  return 'manual';
};
