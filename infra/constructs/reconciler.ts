import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { FUNCTION_ENV } from '../../shared/core/env-contract';
import type { OnPush } from './on-push';
import { TollgateFunction } from './tollgate-function';

export interface ReconcilerProps {
  readonly repositories: readonly string[];
  readonly table: dynamodb.Table;
  readonly bus: events.EventBus;
  readonly environment: Readonly<Record<string, string>>;
  readonly bundledFiles: Readonly<Record<string, string>>;
  /** The sweep records an image as on-push does: same idempotency table, same scan-timeout schedules. */
  readonly onPush: OnPush;
  /** The function the scan-timeout schedules invoke. */
  readonly onTimeout: TollgateFunction;
  /** config `reconcile.intervalMinutes`. */
  readonly intervalMinutes: number;
}

/**
 * The longest a run may take: the interval, at most Lambda's 15 minutes. A run that stops early saves its cursor;
 * bench/ measured 1,000-3,100 images a minute on the local stack: the default 5,000-call budget (~4,500 images) ends a run first.
 */
export const reconcileTimeout = (intervalMinutes: number): Duration =>
  Duration.minutes(Math.min(15, Math.max(1, intervalMinutes - 1)));

/**
 * The sweep (docs/reconcile.md): on a schedule, pages through the covered repositories and brings each digest to
 * the state the event path would have left it in. One run at a time (reserved concurrency 1), so two runs never
 * share a cursor.
 */
export class Reconciler extends Construct {
  public readonly function: TollgateFunction;
  public readonly schedule: scheduler.CfnSchedule;

  public constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const { onPush } = props;
    this.function = new TollgateFunction(this, 'Handler', {
      entry: 'functions/reconcile/handler.ts',
      description: 'Tollgate reconcile: judge, re-judge and re-attest what the events missed',
      environment: {
        ...props.environment,
        [FUNCTION_ENV.idempotencyTable]: onPush.idempotencyTable.tableName,
        [FUNCTION_ENV.scheduleGroup]: onPush.scheduleGroup.scheduleGroupName,
        [FUNCTION_ENV.timeoutFunction]: props.onTimeout.function.functionArn,
        [FUNCTION_ENV.schedulerRole]: onPush.schedulerRole.roleArn,
      },
      bundledFiles: props.bundledFiles,
      timeout: reconcileTimeout(props.intervalMinutes),
      // A failed run is not retried by Lambda: the next scheduled run continues from the cursor.
      retryAttempts: 0,
    });
    const fn = this.function.function;
    (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;

    // Recording an image no event brought starts its pipeline as on-push does, with on-push's grants.
    onPush.grantPipelineStart(fn, props.repositories, props.table, props.bus);
    // Deleting is for the cursor's item only (a finished pass), never for an image's record.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ClearCursor',
        actions: ['dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['reconcile#cursor'] } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListRepositories',
        // Listing the registry's repositories is how the sweep finds the covered ones, a glob being no list. Only
        // their names and settings: every call that reads or changes an image is scoped to the covered ones.
        actions: ['ecr:DescribeRepositories'],
        resources: [Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      }),
    );

    // Its own role: EventBridge Scheduler may invoke the sweep, nothing else.
    const invoker = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the Tollgate sweep',
    });
    fn.grantInvoke(invoker);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: 'Tollgate sweep',
      scheduleExpression: `rate(${props.intervalMinutes} minutes)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: fn.functionArn,
        roleArn: invoker.roleArn,
        input: JSON.stringify({ trigger: 'schedule' }),
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });
  }
}
