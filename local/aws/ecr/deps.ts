import type { RegistryScanning } from '../../../shared/app/push/scan-coverage';
import type { StandInContext } from '../context';
import type { SimulatedScanner } from '../scan/simulated-scan';
import type { EcrState } from './ecr-state';
import type { RegistryView } from './registry';

/** What the ECR operations share. `scanning` is mutable: PutRegistryScanningConfiguration replaces it. */
export interface EcrDeps {
  readonly context: StandInContext;
  readonly registry: RegistryView;
  readonly state: EcrState;
  readonly scanner: SimulatedScanner;
  readonly scanning: { current: RegistryScanning };
}

/** BASIC scanning with SCAN_ON_PUSH for every repository, what a fresh account gets when it turns it on. */
export const DEFAULT_SCANNING: RegistryScanning = {
  scanType: 'BASIC',
  rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
};
