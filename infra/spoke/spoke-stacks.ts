import type { TollgateConfig } from '../../shared/core/config';
import type { TollgateSpokeStackProps } from './tollgate-spoke-stack';

/**
 * The spoke templates `organization` asks for: one per entry of `organization.spokes`, named `TollgateSpoke<n>`
 * from 1, each covering the entry's repositories (the hub's when it names none). Pure: the app synthesizes them.
 */
export const spokeStacks = (config: TollgateConfig): [string, TollgateSpokeStackProps][] =>
  (config.organization?.spokes ?? []).map((spoke, index) => [
    `TollgateSpoke${index + 1}`,
    {
      organizationId: config.organization!.id,
      hub: config.organization!.hub,
      repositories: spoke.repositories ?? config.repositories,
      description: `Tollgate spoke ${index + 1}: forwards ECR and Inspector events of ${(
        spoke.repositories ?? config.repositories
      ).join(
        ', ',
      )} to the Tollgate hub in ${config.organization!.hub.account} ${config.organization!.hub.region}, and lets the hub's functions act on them`,
    },
  ]);
