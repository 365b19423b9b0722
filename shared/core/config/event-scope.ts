import { matchesAnyGlob } from '../domain/glob';
import type { ImageScope } from '../domain/image-scope';
import type { TollgateConfig } from './schema';

/**
 * Whose image an AWS event is about. The hub takes events from its own account and region, and, with an
 * organization, the ones its spokes forward; anything else is refused, whatever reached the bus.
 */
export type EventScope =
  | { readonly kind: 'hub' }
  | { readonly kind: 'spoke'; readonly scope: ImageScope }
  | { readonly kind: 'outside'; readonly reason: string };

export interface EventOriginParts {
  /** The envelope's `account`: EventBridge sets it to the account the event came from, and an `aws.*` source
   * cannot be put by anyone but AWS, so it cannot be forged by a spoke for another account. */
  readonly account: string;
  readonly region: string;
  readonly repository: string;
}

/**
 * Pure. Without `organization` every event is the hub's: its rules take its own account's events only. With one, an
 * event is a spoke's when a spoke entry names its account (or, for an OU entry, when the hub bus let it in: the bus
 * policy admits only the OUs' accounts, `aws:PrincipalOrgPaths`), lists its region, and covers its repository (the
 * entry's `repositories`, or the hub's). The spoke's own forwarding rule filters the repositories too; it is checked
 * again here because that rule is in the spoke's hands.
 */
export const eventScope = (
  config: Pick<TollgateConfig, 'organization' | 'repositories'>,
  origin: EventOriginParts,
): EventScope => {
  const { organization } = config;
  if (organization === undefined) return { kind: 'hub' };
  const { hub } = organization;
  if (origin.account === hub.account && origin.region === hub.region) return { kind: 'hub' };
  const at = `${origin.account} in ${origin.region}`;
  const scope = { account: origin.account, region: origin.region };
  const repositories = spokeRepositories(config, scope);
  if (repositories.length === 0) return { kind: 'outside', reason: `${at} is not a spoke of this hub` };
  if (!matchesAnyGlob(repositories, origin.repository))
    return { kind: 'outside', reason: `${origin.repository} is not a covered repository of the spoke ${at}` };
  return { kind: 'spoke', scope };
};

/**
 * The repository globs covered in a spoke's account and region: those of the spoke entries for it (an entry without
 * its own takes the hub's). An account listed by id is held to its own entries; an OU entry stands for the accounts
 * no entry names (the hub bus admitted them by `aws:PrincipalOrgPaths`). The same choice as `eventScope`'s, for the adapters that act there.
 */
export const spokeRepositories = (
  config: Pick<TollgateConfig, 'organization' | 'repositories'>,
  scope: ImageScope,
): readonly string[] => {
  const entries = (config.organization?.spokes ?? []).filter(
    (spoke) =>
      spoke.regions.includes(scope.region) &&
      (spoke.accounts === undefined || spoke.accounts.includes(scope.account)),
  );
  const named = entries.filter((spoke) => spoke.accounts !== undefined);
  // Empty for an account and region no entry names: not a spoke.
  return [
    ...new Set(
      (named.length > 0 ? named : entries).flatMap((spoke) => spoke.repositories ?? config.repositories),
    ),
  ];
};
