/**
 * The names both sides of the hub-and-spoke trust agree on: the hub's function roles, which a spoke's trust names by
 * ARN, and the spoke roles a hub function assumes. Infra writes them (infra/spoke/) and the functions assume them
 * (shared/adapters/runtime/spoke-clients.ts), so they live here, once.
 */
export const HUB_FUNCTIONS = ['on-push', 'on-scan', 'on-timeout', 'sign', 'reconcile'] as const;
export type HubFunction = (typeof HUB_FUNCTIONS)[number];

export interface AccountRegion {
  readonly account: string;
  readonly region: string;
}

/**
 * The hub function's role name, fixed when an organization is configured: a spoke's trust names it by ARN, and a
 * StackSet template cannot reference the hub's stack. IAM is global, so the region is in the name.
 */
export const hubRoleName = (hubRegion: string, fn: HubFunction): string => `tollgate-hub-${fn}-${hubRegion}`;

export const hubRoleArn = (hub: AccountRegion, fn: HubFunction): string =>
  `arn:aws:iam::${hub.account}:role/${hubRoleName(hub.region, fn)}`;

/** The role a hub function assumes in a spoke account, for the spoke's region (one StackSet instance per region). */
export const spokeRoleName = (spokeRegion: string, fn: HubFunction): string =>
  `tollgate-spoke-${fn}-${spokeRegion}`;

export const spokeRoleArn = (spoke: AccountRegion, fn: HubFunction): string =>
  `arn:aws:iam::${spoke.account}:role/${spokeRoleName(spoke.region, fn)}`;
