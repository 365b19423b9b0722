/** The parts of a synthesized CloudFormation template the local stack reads. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

/** Where the deployment runs: the values of the pseudo parameters. */
export interface DeploymentEnvironment {
  /** @default '000000000000' */
  readonly accountId: string;
  /** @default 'us-east-1' */
  readonly region: string;
  /** @default 'Tollgate' */
  readonly stackName: string;
}

export const LOCAL_ENVIRONMENT: DeploymentEnvironment = {
  accountId: '000000000000',
  region: 'us-east-1',
  stackName: 'Tollgate',
};

export const resourcesOfType = (
  template: CfnTemplate,
  type: string,
): (readonly [logicalId: string, resource: CfnResource])[] =>
  Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
