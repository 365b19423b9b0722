import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { CfnReplicaKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { defaultDeploymentRoles, nobodySigns, signingKeyPolicy } from '../constructs/signing-key';

/** The primary's administration statements, and a Deny of signing to everyone: a replica only verifies. */
const replicaPolicy = (deploymentRoleArns: readonly string[]): iam.PolicyDocument => {
  const policy = signingKeyPolicy(deploymentRoleArns);
  policy.addStatements(nobodySigns());
  return policy;
};

export interface KeyReplicaStackProps extends StackProps {
  /** The multi-Region primary, in the hub's stack (another region: a cross-region reference). */
  readonly primaryKey: kms.IKey;
  /** As the hub's SigningKey has them: the roles that may move an alias. @default this stack's CDK deployment role */
  readonly deploymentRoleArns?: readonly string[];
}

/**
 * A replica of the hub's multi-Region signing key in one more region of the organization: the same key material, so
 * the same public key, for gates and verifiers there (GetPublicKey, Verify in their own region). Nobody signs with it:
 * the hub's signer signs with the primary, and the replica's policy denies `kms:Sign` to everyone (its signatures
 * would be the organization's). Retained, as the primary is.
 */
export class KeyReplicaStack extends Stack {
  public readonly replica: CfnReplicaKey;

  public constructor(scope: Construct, id: string, props: KeyReplicaStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    this.replica = new CfnReplicaKey(this, 'SigningKeyReplica', {
      primaryKeyArn: props.primaryKey.keyArn,
      description: 'Replica of the Tollgate image signing key (multi-Region): verifies, never signs',
      keyPolicy: replicaPolicy(props.deploymentRoleArns ?? defaultDeploymentRoles(this)).toJSON() as object,
      enabled: true,
    });
    this.replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
