import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ECR_IMAGE_SCAN, INSPECTOR2_FINDING, INSPECTOR2_SCAN } from '../../shared/core/events';
import { repositoryArns, ownAccountPattern, repositoryNamePattern } from './repository-scope';
import { TollgateFunction } from './tollgate-function';

export interface OnScanProps {
  /** The covered repository patterns (config `repositories`). */
  readonly repositories: readonly string[];
  readonly table: dynamodb.Table;
  /** The Tollgate bus verdicts and signing requests are put on. */
  readonly bus: events.EventBus;
  /** Set on both functions: the validated config and where the bundled policy is. */
  readonly environment: Readonly<Record<string, string>>;
  readonly bundledFiles: Readonly<Record<string, string>>;
  /**
   * Lambda's retries of a rule's delivery that failed before the event goes to the rule's DLQ.
   * @default 8
   */
  readonly ruleRetryAttempts?: number;
}

/**
 * Scan results → on-scan, which judges them: `ECR Image Scan` (basic, any status), `Inspector2 Scan`
 * (enhanced, INITIAL_SCAN_COMPLETE) and `Inspector2 Finding` (ACTIVE, re-evaluation), each rule limited
 * to the covered repositories. Also on-timeout, which judges (or times out) an image whose scan never
 * reported: it judges exactly as on-scan does, so it gets the same grants.
 */
export class OnScan extends Construct {
  public readonly function: TollgateFunction;
  public readonly onTimeout: TollgateFunction;
  public readonly rules: readonly events.Rule[];
  /** Events EventBridge could not deliver to on-scan after its retries. */
  public readonly ruleDeadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: OnScanProps) {
    super(scope, id);
    this.function = new TollgateFunction(this, 'Handler', {
      entry: 'functions/on-scan/handler.ts',
      description: 'Tollgate on-scan: judge completed scans and new findings against the policy',
      environment: props.environment,
      bundledFiles: props.bundledFiles,
    });
    this.onTimeout = new TollgateFunction(this, 'Timeout', {
      entry: 'functions/on-timeout/handler.ts',
      description: 'Tollgate on-timeout: judge an image whose scan event never came, or time it out',
      environment: props.environment,
      bundledFiles: props.bundledFiles,
    });
    for (const fn of [this.function.function, this.onTimeout.function]) grantJudging(this, fn, props);

    this.ruleDeadLetterQueue = new sqs.Queue(this, 'RuleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const target = new targets.LambdaFunction(this.function.function, {
      deadLetterQueue: this.ruleDeadLetterQueue,
      retryAttempts: props.ruleRetryAttempts ?? 8,
      maxEventAge: Duration.hours(2),
    });
    this.rules = [
      new events.Rule(this, 'EcrScan', {
        description: 'Basic scan finished (any status) in a covered repository → Tollgate on-scan',
        eventPattern: {
          source: ['aws.ecr'],
          account: ownAccountPattern(this),
          detailType: [ECR_IMAGE_SCAN],
          detail: { 'repository-name': repositoryNamePattern(props.repositories) },
        },
        targets: [target],
      }),
      new events.Rule(this, 'InspectorScan', {
        description: 'Enhanced scan of an image in a covered repository completed → Tollgate on-scan',
        eventPattern: {
          source: ['aws.inspector2'],
          account: ownAccountPattern(this),
          detailType: [INSPECTOR2_SCAN],
          detail: {
            'scan-status': ['INITIAL_SCAN_COMPLETE'],
            // Inspector names the repository by its ARN.
            'repository-name': repositoryArnPattern(this, props.repositories),
          },
        },
        targets: [target],
      }),
      new events.Rule(this, 'InspectorFinding', {
        description:
          'New or changed ACTIVE Inspector finding on an image of a covered repository → Tollgate on-scan',
        eventPattern: {
          source: ['aws.inspector2'],
          account: ownAccountPattern(this),
          detailType: [INSPECTOR2_FINDING],
          detail: {
            status: ['ACTIVE'],
            // The account that owns the image, as well as the event's: Inspector's delegated administrator also
            // receives its members' findings, which name repositories that may share a covered name.
            awsAccountId: ownAccountPattern(this),
            // The image is nested in the finding's resources; EventBridge matches any element of the array.
            resources: {
              type: ['AWS_ECR_CONTAINER_IMAGE'],
              details: {
                awsEcrContainerImage: { repositoryName: repositoryNamePattern(props.repositories) },
              },
            },
          },
        },
        targets: [target],
      }),
    ];
  }
}

/** What judging needs, and nothing else: read the scan, read and conditionally update the record, publish. */
const grantJudging = (scope: Construct, fn: lambda.IFunction, props: OnScanProps): void => {
  props.table.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
  props.bus.grantPutEventsTo(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ecr:DescribeImageScanFindings'],
      resources: repositoryArns(scope, props.repositories),
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      // DescribeImageScanFindings reads enhanced (Inspector) findings through Inspector's API on the caller's
      // behalf. Inspector's ListFindings has no resource-level permissions.
      actions: ['inspector2:ListFindings'],
      resources: ['*'],
    }),
  );
};

/** The covered repositories as ARN patterns, for `Inspector2 Scan`'s `repository-name`. */
const repositoryArnPattern = (scope: Construct, repositories: readonly string[]): unknown[] => {
  const stack = Stack.of(scope);
  return repositories.map((pattern) => {
    const arn = stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: pattern });
    return pattern.includes('*') ? { wildcard: arn } : arn;
  });
};
