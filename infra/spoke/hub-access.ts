import { PIPELINE_REGISTRY_ACTIONS, PIPELINE_REPOSITORY_ACTIONS } from '../constructs/on-push';
import { SIGNER_REPOSITORY_ACTIONS } from '../constructs/signer';
import type { HubFunction } from '../../shared/core/config/spoke-roles';

/** What one hub function may do in a spoke: on the covered repositories, and at the registry level. */
export interface SpokeAccess {
  readonly repositoryActions: readonly string[];
  /** Calls IAM cannot scope to a repository (`Resource: *`). */
  readonly registryActions: readonly string[];
  /** `ecr:DescribeRepositories` on every repository of the spoke: the sweep lists them to find the covered ones. */
  readonly listsRepositories?: boolean;
}

// Reading findings: DescribeImageScanFindings, and Inspector's ListFindings for enhanced scanning (no resource-level
// permissions there), as on-scan has in the hub.
const FINDINGS: SpokeAccess = {
  repositoryActions: ['ecr:DescribeImageScanFindings'],
  registryActions: ['inspector2:ListFindings'],
};

/**
 * Each hub function's access in a spoke: what it has in the hub's own account, from the same lists (one owner), so a
 * grant added to a stage is added to its spoke role too.
 */
export const SPOKE_ACCESS: Readonly<Record<HubFunction, SpokeAccess>> = {
  'on-push': {
    repositoryActions: [...PIPELINE_REPOSITORY_ACTIONS],
    registryActions: [...PIPELINE_REGISTRY_ACTIONS, ...FINDINGS.registryActions],
  },
  'on-scan': FINDINGS,
  'on-timeout': FINDINGS,
  sign: {
    repositoryActions: [...SIGNER_REPOSITORY_ACTIONS, ...FINDINGS.repositoryActions],
    registryActions: ['ecr:GetAuthorizationToken', ...FINDINGS.registryActions],
  },
  // The sweep records an image no event brought as on-push would, and lists the repositories to find the covered ones.
  reconcile: {
    repositoryActions: [...PIPELINE_REPOSITORY_ACTIONS],
    registryActions: [...PIPELINE_REGISTRY_ACTIONS, ...FINDINGS.registryActions],
    listsRepositories: true,
  },
};
