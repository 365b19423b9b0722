import type { TollgateConfig } from '../../core/config';
import type { LoadedPolicy } from '../../core/policy';
import { signingCap } from './budget';
import type { ReconcileSettings } from './reconcile';

/** The sweep's settings from the deployed config and policy: one mapping, for the function and the CLI's dry run. */
export const sweepSettings = (
  config: TollgateConfig,
  policy: Pick<LoadedPolicy, 'digest'>,
): ReconcileSettings => ({
  repositories: config.repositories,
  scope: config.reconcile.scope,
  policyDigest: policy.digest,
  scanTimeoutMinutes: config.scanTimeoutMinutes,
  refreshAfterHours: config.attestation.refreshAfterHours,
  rescanAfterDays: config.reconcile.rescanAfterDays,
  formats: config.signatures.formats,
  signingCap: signingCap(config.signing.putImagePerSecond, config.reconcile.intervalMinutes),
});
