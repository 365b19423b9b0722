import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SigningKeyProps {
  /** @default 'alias/tollgate-signing' */
  readonly alias?: string;
}

/**
 * The asymmetric key that signs approved digests. KMS never lets the private half leave the HSM,
 * and the key is retained on stack deletion: signatures in every registry depend on its public half.
 */
export class SigningKey extends Construct {
  public readonly key: kms.Key;
  public readonly alias: kms.Alias;

  public constructor(scope: Construct, id: string, props: SigningKeyProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Tollgate image signing key (ECDSA P-256). Signs approved image digests only.',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
      // Asymmetric keys cannot rotate automatically; rotation means a new key and a new trust root.
      enableKeyRotation: false,
    });
    this.alias = new kms.Alias(this, 'Alias', {
      aliasName: props.alias ?? 'alias/tollgate-signing',
      targetKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
