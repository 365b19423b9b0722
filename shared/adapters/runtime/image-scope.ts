import { eventScope, type EventScope } from '../../core/config/event-scope';
import type { ImageScope } from '../../core/domain/image-scope';
import type { HubFunction } from '../../core/config/spoke-roles';
import { loadSettings } from './settings';
import type { SpokeTarget } from './spoke-clients';

/** Whose images an AWS event names, under the deployed config: every repository it names must be covered. */
export const scopeOfEvent = (origin: {
  readonly account: string;
  readonly region: string;
  readonly repositories: readonly string[];
}): EventScope => {
  const { config } = loadSettings();
  const scopes = origin.repositories.map((repository) => eventScope(config, { ...origin, repository }));
  return scopes.find((scope) => scope.kind === 'outside') ?? scopes[0] ?? { kind: 'hub' };
};

/**
 * The scope Tollgate's own input carries (a signing request, a scan-timeout schedule), checked against the deployed
 * config like an AWS event's: a spoke removed from the config is no longer acted in. Only a spoke's images carry a
 * scope, so one that comes out as the hub's (no organization, or the hub's own account and region) is refused too.
 */
export const scopeOfRequest = (scope: ImageScope | undefined, repository: string): EventScope => {
  if (scope === undefined) return { kind: 'hub' };
  const where = eventScope(loadSettings().config, { ...scope, repository });
  return where.kind === 'hub'
    ? { kind: 'outside', reason: `${scope.account} in ${scope.region} is not a spoke of this hub` }
    : where;
};

/** The spoke target of a hub function's adapters, when they are built for a spoke. */
export const spokeTarget = (fn: HubFunction, scope: ImageScope | undefined): SpokeTarget | undefined =>
  scope === undefined ? undefined : { fn, scope };
