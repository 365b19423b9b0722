import type { Digest, Finding, ImageRef, ScanSummary } from '../../../shared/core/domain';
import { parsePolicy, type LoadedPolicy } from '../../../shared/core/policy';

export const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
export const NOW = new Date('2026-12-01T12:00:00Z');

export const image = (repository = 'payments/api', digest: Digest = DIGEST): ImageRef => ({
  registry: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
  repository,
  digest,
});

export const scan = (status = 'COMPLETE'): ScanSummary => ({
  scanner: 'INSPECTOR',
  status,
  severityCounts: {},
});

export const finding = (id: string, overrides: Partial<Finding> = {}): Finding => ({
  id,
  severity: 'LOW',
  ...overrides,
});

/** A policy from an object, through the same parser the gate uses, so defaults are applied. */
export const policy = (document: unknown): LoadedPolicy => parsePolicy(JSON.stringify(document));
