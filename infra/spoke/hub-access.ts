import { PIPELINE_REGISTRY_ACTIONS, PIPELINE_REPOSITORY_ACTIONS } from '../constructs/on-push';
import { SIGNER_REPOSITORY_ACTIONS } from '../constructs/signer';

/** The hub's functions that act in a spoke's registry, each through a role of its own there. */
export const HUB_FUNCTIONS = ['on-push', 'on-scan', 'on-timeout', 'sign', 'reconcile'] as const;
export type HubFunction = (typeof HUB_FUNCTIONS)[number];

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

/**
 * The hub function's role name, fixed when an organization is configured: a spoke's trust names it by ARN, and a
 * StackSet template cannot reference the hub's stack. IAM is global, so the region is in the name.
 */
export const hubRoleName = (hubRegion: string, fn: HubFunction): string => `tollgate-hub-${fn}-${hubRegion}`;

export const hubRoleArn = (
  hub: { readonly account: string; readonly region: string },
  fn: HubFunction,
): string => `arn:aws:iam::${hub.account}:role/${hubRoleName(hub.region, fn)}`;

/** The role a hub function assumes in a spoke account, for the spoke's region (one StackSet instance per region). */
export const spokeRoleName = (spokeRegion: string, fn: HubFunction): string =>
  `tollgate-spoke-${fn}-${spokeRegion}`;

export const spokeRoleArn = (account: string, spokeRegion: string, fn: HubFunction): string =>
  `arn:aws:iam::${account}:role/${spokeRoleName(spokeRegion, fn)}`;
