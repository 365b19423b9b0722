import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ImageScope } from '../../core/domain/image-scope';
import { spokeRoleArn, type HubFunction } from '../../core/config/spoke-roles';
import { buildsPerScope } from './builds-per-scope';

/** Where a function's adapters act: the hub function, and the spoke's account and region. */
export interface SpokeTarget {
  readonly fn: HubFunction;
  readonly scope: ImageScope;
}

// Fifteen minutes is STS's shortest term; the provider renews the credentials before they expire.
const SESSION_SECONDS = 900;

const build = async ({ fn, scope }: SpokeTarget): Promise<ECRClient> => {
  const [{ ECRClient: Client }, { fromTemporaryCredentials }] = await Promise.all([
    import('@aws-sdk/client-ecr'),
    import('@aws-sdk/credential-providers'),
  ]);
  // STS is called in the hub's own region, where the function runs.
  const stsRegion = process.env.AWS_REGION;
  return new Client({
    region: scope.region,
    credentials: fromTemporaryCredentials({
      params: {
        RoleArn: spokeRoleArn(scope, fn),
        // The session name is in the spoke's CloudTrail: it says which hub function acted.
        RoleSessionName: `tollgate-${fn}`,
        DurationSeconds: SESSION_SECONDS,
      },
      ...(stsRegion === undefined ? {} : { clientConfig: { region: stsRegion } }),
    }),
  });
};

const clientsOf = (fn: HubFunction) => buildsPerScope((scope: ImageScope) => build({ fn, scope }));
const perFunction = new Map<HubFunction, ReturnType<typeof clientsOf>>();

/**
 * The spoke's ECR client for `fn`, built on first use and kept for the execution environment, shared by every
 * adapter of that function. It holds the credentials of the spoke role made for that function (infra/spoke/), which
 * STS gives the function's own role and nobody else's (the spoke role trusts that role's ARN under
 * `aws:PrincipalOrgID`). The hub's own role has no ECR permission in any spoke: without this client a hub function
 * cannot act there.
 */
export const spokeEcrClient = ({ fn, scope }: SpokeTarget): Promise<ECRClient> => {
  let clients = perFunction.get(fn);
  if (clients === undefined) {
    clients = clientsOf(fn);
    perFunction.set(fn, clients);
  }
  return clients.get(scope);
};
