import { LocalStackError } from '../errors';

/**
 * What the local registry endpoint is: `ecr`, the registry front serving what ECR serves (the referrers API,
 * `OCI-Subject`, ECR's refusals) over Distribution; or `distribution`, plain Distribution 2.8, with which
 * signing takes the referrers tag-schema fallback.
 */
export type RegistryMode = 'ecr' | 'distribution';

export const REGISTRY_MODES: readonly RegistryMode[] = ['ecr', 'distribution'];

/** The environment variable the local stack, the e2e and reliability suites and the bench read. */
export const REGISTRY_MODE_ENV = 'TOLLGATE_REGISTRY_MODE';

/** `TOLLGATE_REGISTRY_MODE`, `ecr` when unset. @throws LocalStackError for any other value */
export const registryModeOf = (value: string | undefined = process.env[REGISTRY_MODE_ENV]): RegistryMode => {
  if (value === undefined || value === '') return 'ecr';
  if ((REGISTRY_MODES as readonly string[]).includes(value)) return value as RegistryMode;
  throw new LocalStackError(
    `${REGISTRY_MODE_ENV}=${value} is not a registry mode`,
    `use ${REGISTRY_MODES.join(' or ')}`,
  );
};
