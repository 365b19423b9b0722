import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { repositoryArns, ownAccountPattern, repositoryNamePattern } from './repository-scope';
import { TollgateFunction } from './tollgate-function';

/** What starting an image's pipeline does to its repository (on-push, and the sweep recording an image). */
export const PIPELINE_REPOSITORY_ACTIONS = [
  'ecr:DescribeRepositories',
  'ecr:PutImageTagMutability',
  'ecr:StartImageScan',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  // tagRules.action `untag` removes the offending tag, and only it.
  'ecr:BatchDeleteImage',
  // A scan that ended before the push was recorded (its event found no record) is judged on push.
  'ecr:DescribeImageScanFindings',
] as const;

/** Registry-level calls of the pipeline: IAM has no resource to scope them to. */
export const PIPELINE_REGISTRY_ACTIONS = [
  'ecr:GetRegistryScanningConfiguration',
  'ecr:GetAuthorizationToken',
] as const;

export interface OnPushProps {
  /** The covered repository patterns (config `repositories`). */
  readonly repositories: readonly string[];
  /** The verdict table. */
  readonly table: dynamodb.Table;
  /** The Tollgate bus tag violations, NOT_SCANNED verdicts and verdicts decided on push are put on. */
  readonly bus: events.EventBus;
  /** Set on the function: the validated config and where the bundled policy is. */
  readonly environment: Readonly<Record<string, string>>;
  readonly bundledFiles: Readonly<Record<string, string>>;
  /** The on-timeout function the scan-timeout schedules invoke. */
  readonly onTimeout: TollgateFunction;
  /** @default 'tollgate-scan-timeouts' */
  readonly scheduleGroupName?: string;
  /**
   * EventBridge's retries of a delivery to on-push that failed before the event goes to the rule's DLQ.
   * @default 8
   */
  readonly ruleRetryAttempts?: number;
}

/**
 * `ECR Image Action` → on-push: skip attachments, enforce immutability and tag rules, make sure a scan
 * runs, and schedule the scan timeout that on-timeout handles.
 */
export class OnPush extends Construct {
  public readonly function: TollgateFunction;
  public readonly rule: events.Rule;
  public readonly idempotencyTable: dynamodb.Table;
  public readonly schedulerRole: iam.Role;
  public readonly scheduleGroup: scheduler.ScheduleGroup;

  public constructor(scope: Construct, id: string, props: OnPushProps) {
    super(scope, id);
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScanTimeouts', {
      scheduleGroupName: props.scheduleGroupName ?? 'tollgate-scan-timeouts',
    });
    // Only EventBridge Scheduler may assume it, and it may only invoke on-timeout. The source-account
    // condition keeps another account's schedules from using it (the confused-deputy case).
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler invoke Tollgate on-timeout',
    });
    props.onTimeout.function.grantInvoke(this.schedulerRole);

    // Powertools idempotency records: short-lived, so a TTL cleans them up.
    this.idempotencyTable = new dynamodb.Table(this, 'Idempotency', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiration',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.function = new TollgateFunction(this, 'Handler', {
      entry: 'functions/on-push/handler.ts',
      description:
        'Tollgate on-push: skip attachments, enforce immutability and tag rules, make sure a scan runs',
      environment: {
        ...props.environment,
        TOLLGATE_IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
        TOLLGATE_SCHEDULE_GROUP: this.scheduleGroup.scheduleGroupName,
        TOLLGATE_TIMEOUT_FUNCTION_ARN: props.onTimeout.function.functionArn,
        TOLLGATE_SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      },
      bundledFiles: props.bundledFiles,
    });
    const fn = this.function.function;
    this.grantPipelineStart(fn, props.repositories, props.table, props.bus);

    const ruleDlq = new sqs.Queue(this, 'RuleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rule = new events.Rule(this, 'ImageAction', {
      description: 'ECR pushes and deletes of covered repositories → Tollgate on-push',
      eventPattern: {
        source: ['aws.ecr'],
        account: ownAccountPattern(this),
        detailType: ['ECR Image Action'],
        detail: {
          'action-type': ['PUSH', 'DELETE'],
          result: ['SUCCESS'],
          'repository-name': repositoryNamePattern(props.repositories),
        },
      },
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue: ruleDlq,
          retryAttempts: props.ruleRetryAttempts ?? 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }

  /**
   * What starting an image's pipeline takes (handlePush: record, immutability, scan, timeout schedule, judging an
   * ended scan): on-push's own grants, and the sweep's, which starts the same pipeline for an image no event brought.
   */
  public grantPipelineStart(
    fn: lambda.IFunction,
    repositories: readonly string[],
    table: dynamodb.Table,
    bus: events.EventBus,
  ): void {
    // Read, create and conditionally update records and tag pointers; nothing else on the table.
    table.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    // What the Powertools DynamoDB persistence layer calls.
    this.idempotencyTable.grant(
      fn,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    bus.grantPutEventsTo(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CoveredRepositories',
        actions: [...PIPELINE_REPOSITORY_ACTIONS],
        resources: repositoryArns(this, repositories),
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EnhancedFindings',
        // DescribeImageScanFindings reads enhanced (Inspector) findings through Inspector's API on the
        // caller's behalf. Inspector's ListFindings has no resource-level permissions.
        actions: ['inspector2:ListFindings'],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RegistryLevel',
        // Registry-level calls: IAM has no resource to scope them to.
        actions: [...PIPELINE_REGISTRY_ACTIONS],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ScanTimeoutSchedules',
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [
          Stack.of(this).formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${this.scheduleGroup.scheduleGroupName}/*`,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PassSchedulerRole',
        // Exactly the scheduler role, and only to EventBridge Scheduler: on-push cannot hand any other role out.
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
