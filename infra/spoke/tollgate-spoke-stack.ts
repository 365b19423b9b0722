import { BootstraplessSynthesizer, Stack, type IStackSynthesizer, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { TollgateSpoke, type TollgateSpokeProps } from './tollgate-spoke';

export interface TollgateSpokeStackProps
  extends Omit<StackProps, 'env' | 'synthesizer' | 'analyticsReporting'>, TollgateSpokeProps {}

/**
 * The spoke as a template for a CloudFormation StackSet with service-managed permissions: no environment (it is
 * deployed into every account and region of the target OUs), no bootstrap (the StackSet's member accounts have
 * none: no asset bucket, no BootstrapVersion parameter or rule), no CDK metadata resource.
 */
export class TollgateSpokeStack extends Stack {
  public readonly spoke: TollgateSpoke;

  public constructor(scope: Construct, id: string, props: TollgateSpokeStackProps) {
    super(scope, id, {
      ...props,
      // CDK's own class, typed without exactOptionalPropertyTypes.
      synthesizer: new BootstraplessSynthesizer() as IStackSynthesizer,
      analyticsReporting: false,
    });
    this.spoke = new TollgateSpoke(this, 'Spoke', props);
  }
}
