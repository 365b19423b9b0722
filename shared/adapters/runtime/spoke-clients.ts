import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ImageScope } from '../../core/domain/image-scope';
import { spokeRoleArn, type HubFunction } from '../../core/config/spoke-roles';
import { buildsPerScope } from './builds-per-scope';

/**
 * ECR clients for a spoke's account and region, one per hub function and spoke, built on first use and kept for the
 * execution environment. Each holds the credentials of the spoke role made for that function (infra/spoke/), which
 * STS gives the function's own role and nobody else's (the spoke role trusts that role's ARN under
 * `aws:PrincipalOrgID`). The hub's own role has no ECR permission in any spoke: without this client a hub function
 * cannot write there (test/e2e/organization.test.ts).
 */
export interface SpokeClients {
  ecr(scope: ImageScope): Promise<ECRClient>;
}

export interface SpokeClientsProps {
  readonly fn: HubFunction;
  /** The hub's region, where STS is called. @default AWS_REGION */
  readonly stsRegion?: string;
}

// Fifteen minutes is STS's shortest term; the provider renews the credentials before they expire.
const SESSION_SECONDS = 900;

export const spokeClients = (props: SpokeClientsProps): SpokeClients => {
  const build = async (scope: ImageScope): Promise<ECRClient> => {
    const [{ ECRClient: Client }, { fromTemporaryCredentials }] = await Promise.all([
      import('@aws-sdk/client-ecr'),
      import('@aws-sdk/credential-providers'),
    ]);
    const stsRegion = props.stsRegion ?? process.env.AWS_REGION;
    return new Client({
      region: scope.region,
      credentials: fromTemporaryCredentials({
        params: {
          RoleArn: spokeRoleArn(scope, props.fn),
          // The session name is in the spoke's CloudTrail: it says which hub function acted.
          RoleSessionName: `tollgate-${props.fn}`,
          DurationSeconds: SESSION_SECONDS,
        },
        ...(stsRegion === undefined ? {} : { clientConfig: { region: stsRegion } }),
      }),
    });
  };
  const built = buildsPerScope((scope) => build(scope!));
  return { ecr: (scope) => built.get(scope) };
};

/** Where a function's adapters act: the hub function, and the spoke's account and region. */
export interface SpokeTarget {
  readonly fn: HubFunction;
  readonly scope: ImageScope;
}

const perFunction = new Map<HubFunction, SpokeClients>();

/** The spoke's ECR client for `fn`, shared by every adapter of that function in this environment. */
export const spokeEcrClient = (target: SpokeTarget): Promise<ECRClient> => {
  let clients = perFunction.get(target.fn);
  if (clients === undefined) {
    clients = spokeClients({ fn: target.fn });
    perFunction.set(target.fn, clients);
  }
  return clients.ecr(target.scope);
};
