import type { TollgateConfig } from '../../shared/core/config';
import type { TollgateSpokeStackProps } from './tollgate-spoke-stack';

/**
 * The spoke templates `organization` asks for: one per entry of `organization.spokes`, named `TollgateSpoke<n>`
 * from 1, each covering the entry's repositories (the hub's when it names none). Pure: the app synthesizes them.
 */
export const spokeStacks = (config: TollgateConfig): [string, TollgateSpokeStackProps][] => {
  const organization = config.organization;
  if (organization === undefined) return [];
  const { hub } = organization;
  return organization.spokes.map((spoke, index) => {
    const repositories = spoke.repositories ?? config.repositories;
    return [
      `TollgateSpoke${index + 1}`,
      {
        organizationId: organization.id,
        hub,
        repositories,
        description: `Tollgate spoke ${index + 1}: forwards ECR and Inspector events of ${repositories.join(', ')} to the Tollgate hub in ${hub.account} ${hub.region}, and lets the hub's functions act on them`,
      },
    ];
  });
};
