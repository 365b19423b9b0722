import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * One record per `repository@digest` (pk `image#<repository>@<digest>`, sk `verdict`), plus one pointer per
 * `repository:tag` (pk `tag#<repository>:<tag>`, sk `tag`) so a tag moving to another digest is noticed.
 */
export class VerdictTable extends Construct {
  public readonly table: dynamodb.Table;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      // Verdicts are the audit trail of what was allowed to deploy.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
