import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Tollgate, type TollgateProps } from './tollgate';

export interface TollgateStackProps extends StackProps, TollgateProps {}

export class TollgateStack extends Stack {
  public readonly tollgate: Tollgate;

  public constructor(scope: Construct, id: string, props: TollgateStackProps) {
    super(scope, id, props);
    this.tollgate = new Tollgate(this, 'Tollgate', props);
  }
}
