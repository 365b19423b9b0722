import { DefaultStackSynthesizer, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SigningKeyProps {
  /** @default 'alias/tollgate-signing' */
  readonly alias?: string;
  /**
   * The roles CloudFormation deploys this stack with when it uses a service role (with CDK's default bootstrap, the
   * `cdk-…-cfn-exec-role`). Such calls carry no `aws:CalledVia` (that key is set only when a service uses the
   * caller's own credentials), so these roles are named in the alias Deny's exception. An empty list means only a
   * deployment with the deployer's own credentials can create, move or delete the alias.
   * @default none
   */
  readonly deploymentRoleArns?: readonly string[];
  /**
   * Also create a KMS multi-Region key, beside the single-Region key this construct has always made (same construct
   * id, so an existing deployment keeps it: a key's `MultiRegion` cannot be changed, and replacing it would void
   * every signature written). Whichever does not sign is `standbyKey`, for gates to trust beside the signer.
   * @default false
   */
  readonly multiRegion?: boolean;
  /**
   * With `multiRegion`: sign with the multi-Region key (the alias moves to it). Off, it waits as the standby key, so
   * that gates can trust it before its first signature (docs/organization.md, "Moving to the multi-Region key").
   * @default false
   */
  readonly signWithMultiRegion?: boolean;
  /**
   * With `multiRegion`: the regions its replicas are in. A replica shares the key material, and whoever creates one
   * chooses its policy, so creating one is as good as signing: `kms:ReplicateKey` is allowed into these regions only,
   * and only to the deployment (`replicaDeploymentRoleArns`, or CloudFormation with the deployer's credentials).
   * @default none
   */
  readonly replicaRegions?: readonly string[];
  /** The roles CloudFormation deploys the replica stacks with, as `deploymentRoleArns` for this one. @default none */
  readonly replicaDeploymentRoleArns?: readonly string[];
}

/** The only algorithm and message type Tollgate signs with (shared/adapters/aws/kms/kms-signer.ts sends exactly these). */
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256';
export const SIGNING_MESSAGE_TYPE = 'DIGEST';

/**
 * What moves the trust root: an alias names whatever key it points at, and gates that trust the alias trust that key.
 * KMS checks these in the policy of every key they touch (UpdateAlias: the alias's current key and the new one), so a
 * Deny here stops anyone pointing our alias away from our key, deleting it, or pointing another alias at our key.
 */
export const ALIAS_ACTIONS = ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'] as const;

/** `aws:CalledViaLast` when CloudFormation calls KMS with the deployer's own credentials. */
export const CLOUDFORMATION_SERVICE = 'cloudformation.amazonaws.com';

/**
 * What the account's IAM policies may be given on the key: administration, and reading or checking with the public
 * half. Not `kms:Sign`, so no identity policy (AdministratorAccess included) can let anyone sign; not
 * `kms:CreateGrant`, so nobody can hand signing out through a grant either. `kms:PutKeyPolicy` stays: without it
 * the key could not be managed at all, and changing the policy is the one visible, audited way to widen it. The alias
 * actions stay delegated so that CloudFormation can create the alias, but `OnlyTheDeploymentMovesAliases` denies
 * them to everything except the deployment.
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:ListKeyPolicies',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:GetPublicKey',
  'kms:Verify',
] as const;

/**
 * The asymmetric key that signs approved digests. KMS never lets the private half leave the HSM,
 * and the key is retained on stack deletion: signatures in every registry depend on its public half.
 *
 * Its policy replaces KMS's default (`kms:*` for the account root, which delegates everything, signing included, to
 * whatever IAM policies say). Signing is granted by `allowSigningBy` to one role, in the key policy itself.
 */
export class SigningKey extends Construct {
  /** The key that signs: the multi-Region key once `signWithMultiRegion`, else the single-Region one. */
  public readonly key: kms.Key;
  /** The multi-Region primary, with `multiRegion` (signing or standby): what the replicas replicate. */
  public readonly multiRegionKey: kms.Key | undefined;
  /** With `multiRegion`: the key that does not sign, trusted by gates beside the signer during the migration. */
  public readonly standbyKey: kms.Key | undefined;
  public readonly alias: kms.Alias;

  public constructor(scope: Construct, id: string, props: SigningKeyProps = {}) {
    super(scope, id);
    const deploymentRoleArns = props.deploymentRoleArns ?? [];
    const singleRegion = new kms.Key(this, 'Key', {
      description: 'Tollgate image signing key (ECDSA P-256). Signs approved image digests only.',
      ...signingKeyProperties(deploymentRoleArns),
    });
    this.multiRegionKey =
      props.multiRegion === true
        ? new kms.Key(this, 'MultiRegionKey', {
            description:
              'Tollgate image signing key (ECDSA P-256, multi-Region: one public key in every region). Signs approved image digests only.',
            multiRegion: true,
            ...signingKeyProperties(deploymentRoleArns),
          })
        : undefined;
    if (this.multiRegionKey === undefined) {
      if (props.signWithMultiRegion === true) {
        throw new SigningGrantError(
          'signWithMultiRegion needs multiRegion: there is no multi-Region key to sign with',
        );
      }
      this.key = singleRegion;
      this.standbyKey = undefined;
    } else {
      [this.key, this.standbyKey] =
        props.signWithMultiRegion === true
          ? [this.multiRegionKey, singleRegion]
          : [singleRegion, this.multiRegionKey];
      // The key that does not sign refuses signing outright, not only by granting it to nobody: a later Allow added
      // by hand (PutKeyPolicy aside) cannot make it sign.
      this.standbyKey.addToResourcePolicy(nobodySigns());
      const replicators = [...deploymentRoleArns, ...(props.replicaDeploymentRoleArns ?? [])];
      for (const statement of replicationStatements(props.replicaRegions ?? [], replicators)) {
        this.multiRegionKey.addToResourcePolicy(statement);
      }
    }
    this.alias = new kms.Alias(this, 'Alias', {
      aliasName: props.alias ?? 'alias/tollgate-signing',
      targetKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** A Deny of `kms:Sign` to every principal: for a key, or a replica, that must never sign. */
export const nobodySigns = (): iam.PolicyStatement =>
  new iam.PolicyStatement({
    sid: 'NobodySigns',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:Sign'],
    resources: ['*'],
  });

/**
 * `kms:ReplicateKey` on the multi-Region primary: allowed into `regions` (delegated to the account, as the other
 * administration is), denied into any other, and denied to everyone but the deployment, as the alias actions are.
 */
const replicationStatements = (
  regions: readonly string[],
  deploymentRoleArns: readonly string[],
): iam.PolicyStatement[] => [
  ...(regions.length === 0
    ? []
    : [
        new iam.PolicyStatement({
          sid: 'TheDeploymentReplicatesIntoTheConfiguredRegions',
          principals: [new iam.AccountRootPrincipal()],
          actions: ['kms:ReplicateKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'kms:ReplicaRegion': [...regions] } },
        }),
      ]),
  new iam.PolicyStatement({
    sid: 'NoReplicaElsewhere',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:ReplicateKey'],
    resources: ['*'],
    ...(regions.length === 0
      ? {}
      : { conditions: { StringNotEquals: { 'kms:ReplicaRegion': [...regions] } } }),
  }),
  onlyTheDeployment('OnlyTheDeploymentReplicates', ['kms:ReplicateKey'], deploymentRoleArns),
];

/**
 * What every Tollgate signing key is, wherever it is (the single-Region key, the multi-Region primary): P-256 for
 * signing only, retained, never rotated, and a policy that lets the account administer it and nobody sign.
 */
const signingKeyProperties = (deploymentRoleArns: readonly string[]) => ({
  keySpec: kms.KeySpec.ECC_NIST_P256,
  keyUsage: kms.KeyUsage.SIGN_VERIFY,
  removalPolicy: RemovalPolicy.RETAIN,
  // Asymmetric keys cannot rotate automatically; rotation means a new key and a new trust root.
  enableKeyRotation: false,
  policy: signingKeyPolicy(deploymentRoleArns),
});

/** The policy a signing key starts with, replicas included: administration for the account, signing for nobody. */
export const signingKeyPolicy = (deploymentRoleArns: readonly string[]): iam.PolicyDocument =>
  new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AccountAdministersTheKeyButCannotSign',
        principals: [new iam.AccountRootPrincipal()],
        actions: [...KEY_ADMINISTRATION_ACTIONS],
        resources: ['*'],
      }),
      onlyTheDeploymentMovesAliases(deploymentRoleArns),
    ],
  });

/**
 * Denies the alias actions on this key to every principal, IAM `Action: *` included, unless CloudFormation makes the
 * call: with the deployer's credentials (`aws:CalledViaLast`), or as one of its service roles (`aws:PrincipalArn`).
 * The two conditions are ANDed, so the Deny applies only when neither holds; a missing key satisfies a negated
 * operator, so a direct call (no CalledVia at all) is denied. `aws:CalledViaLast` rather than `aws:CalledVia`: it is
 * single-valued and names the service that made this very request to KMS.
 */
const onlyTheDeploymentMovesAliases = (deploymentRoleArns: readonly string[]): iam.PolicyStatement =>
  onlyTheDeployment('OnlyTheDeploymentMovesAliases', ALIAS_ACTIONS, deploymentRoleArns);

/** Denies `actions` on the key to every principal but the deployment (see onlyTheDeploymentMovesAliases). */
const onlyTheDeployment = (
  sid: string,
  actions: readonly string[],
  deploymentRoleArns: readonly string[],
): iam.PolicyStatement =>
  new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [...actions],
    resources: ['*'],
    conditions: {
      StringNotEquals: { 'aws:CalledViaLast': CLOUDFORMATION_SERVICE },
      ...(deploymentRoleArns.length === 0
        ? {}
        : { ArnNotEquals: { 'aws:PrincipalArn': [...deploymentRoleArns] } }),
    },
  });

/** Thrown when signing cannot be granted in the key policy (an imported key, or a second signer). */
export class SigningGrantError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SigningGrantError';
  }
}

const granted = new WeakSet<kms.IKey>();

/**
 * Lets `role`, and nobody else, sign with `key`: a key-policy Allow naming the role directly, only for a SHA-256
 * digest signed with ECDSA, and a Deny of `kms:Sign` for every other principal. The Deny holds even against a
 * later Allow or a grant added by hand, until someone rewrites the policy (PutKeyPolicy, in CloudTrail). The role
 * needs no identity-policy statement for `kms:Sign`, and must not get one: the account statement does not delegate
 * signing, so it would have no effect but to mislead a reader.
 *
 * @throws SigningGrantError if `key` is imported (its policy is not ours to add to) or already has a signer.
 */
export const allowSigningBy = (key: kms.IKey, role: iam.IRole): void => {
  if (granted.has(key)) {
    throw new SigningGrantError('the signing key already has its signer; one role signs, by design');
  }
  const allow = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheSignerSignsDigests',
      principals: [role],
      actions: ['kms:Sign'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:SigningAlgorithm': SIGNING_ALGORITHM,
          'kms:MessageType': SIGNING_MESSAGE_TYPE,
        },
      },
    }),
  );
  if (!allow.statementAdded) {
    throw new SigningGrantError(
      `cannot add the signer to the policy of ${key.node.path}: an imported key's policy must allow kms:Sign to the sign role itself`,
    );
  }
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'NobodyElseSigns',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Sign'],
      resources: ['*'],
      // aws:PrincipalArn is the role's ARN for every session of it; a principal without one is denied too.
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
    }),
  );
  granted.add(key);
};

/**
 * CDK's bootstrap deploys through a CloudFormation service role; its ARN, from the synthesizer, holds
 * `${AWS::Partition}` (and `${AWS::AccountId}`, `${AWS::Region}` in an environment-agnostic stack), hence Fn::Sub.
 */
export const defaultDeploymentRoles = (scope: Construct): string[] => {
  const synthesizer = Stack.of(scope).synthesizer;
  return synthesizer instanceof DefaultStackSynthesizer
    ? [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)]
    : [];
};

/**
 * The CloudFormation execution roles CDK's bootstrap gives the same account in `regions` (one per region, the region
 * last in the name), from this stack's own: the replica stacks deploy with them. None for another synthesizer, or
 * when this stack's region is not known at synth.
 */
export const deploymentRolesIn = (scope: Construct, regions: readonly string[]): string[] => {
  const stack = Stack.of(scope);
  const synthesizer = stack.synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer) || Token.isUnresolved(stack.region)) return [];
  const own = synthesizer.cloudFormationExecutionRoleArn;
  if (!own.endsWith(`-${stack.region}`)) return [];
  return regions.map((region) => Fn.sub(`${own.slice(0, -stack.region.length)}${region}`));
};
