import { CustomResource, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { TollgateFunction } from './tollgate-function';

export interface PublicKeyParameterProps {
  /** The signing key whose public half is published. */
  readonly key: kms.IKey;
  /**
   * The SSM parameter name.
   * @default '/tollgate/signing-public-key'
   */
  readonly parameterName?: string;
}

/**
 * Publishes the signing key's public half as SPKI PEM in an SSM String parameter, for `tollgate policy --key
 * FILE.pem`, cosign's `--key`, Kyverno and the other verifiers that need the PEM itself.
 *
 * A custom resource reads it with GetPublicKey at deploy time. Not an `AwsCustomResource`: its handler turns every
 * binary field of the SDK response into a string with a UTF-8 decoder, so the DER `PublicKey` would arrive mangled,
 * and CloudFormation has no function to base64-encode and wrap it as PEM anyway. A small function of ours does the
 * PEM encoding with the signer's own code (`KmsSigner.publicKey`), and may call nothing but `kms:GetPublicKey` on
 * this key. The parameter itself is an ordinary CloudFormation resource, so it goes with the stack.
 *
 * CloudFormation invokes the function directly (it answers on the request's pre-signed URL itself) rather than
 * through the CDK Provider framework: one Tollgate function, watched by the dashboard and alarms like the others,
 * with its dead-letter queue, instead of a framework function outside them.
 */
export class PublicKeyParameter extends Construct {
  public readonly parameter: ssm.StringParameter;
  public readonly function: TollgateFunction;

  public constructor(scope: Construct, id: string, props: PublicKeyParameterProps) {
    super(scope, id);
    this.function = new TollgateFunction(this, 'Reader', {
      entry: 'functions/public-key/handler.ts',
      description:
        'Tollgate public key: reads the signing key with GetPublicKey for the SSM parameter (deploy time)',
      timeout: Duration.seconds(30),
      memorySize: 256,
    });
    this.function.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadThePublicHalfOnly',
        actions: ['kms:GetPublicKey'],
        resources: [props.key.keyArn],
      }),
    );
    const publicKey = new CustomResource(this, 'PublicKey', {
      serviceToken: this.function.function.functionArn,
      resourceType: 'Custom::TollgatePublicKey',
      properties: { KeyId: props.key.keyArn },
    });
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName ?? '/tollgate/signing-public-key',
      description:
        'Tollgate signing key, public half (SPKI PEM): the trust root for cosign, Kyverno and tollgate verify',
      stringValue: publicKey.getAttString('Pem'),
      tier: ssm.ParameterTier.STANDARD,
    });
  }
}
