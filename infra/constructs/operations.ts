import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TollgateFunction } from './tollgate-function';

/**
 * The metrics the functions emit with Powertools (EMF), as the dashboard and alarms read them.
 * Every metric carries the dimensions `service` (tollgate) and `function` (the stage), which
 * shared/adapters/runtime/observability.ts sets; `Verdicts` adds `outcome`. docs/operations.md lists them.
 */
export const METRICS_NAMESPACE = 'Tollgate';
export const METRIC = {
  verdicts: 'Verdicts',
  pushToVerdict: 'PushToVerdictSeconds',
  signingDuration: 'SigningDuration',
  eventsPublished: 'EventsPublished',
  eventsFailed: 'EventsFailed',
  scanTimeouts: 'ScanTimeouts',
  alertsSent: 'AlertsSent',
  alertsFailed: 'AlertsFailed',
  imagesWithoutVerdict: 'ImagesWithoutVerdict',
  attestationsRefreshed: 'AttestationsRefreshed',
} as const;

const OUTCOMES = [
  { outcome: 'APPROVED', color: cloudwatch.Color.GREEN },
  { outcome: 'REJECTED', color: cloudwatch.Color.RED },
  { outcome: 'ERROR', color: cloudwatch.Color.ORANGE },
  { outcome: 'REVOKED', color: cloudwatch.Color.PURPLE },
] as const;

/** Dead-letter queues are found by this construct id convention (TollgateFunction, rule targets). */
const DEAD_LETTER_ID = /DeadLetter/i;

export interface OperationsProps {
  /** Where alarms notify: the alert topic. */
  readonly topic: sns.ITopic;
  /** @default 'Tollgate' */
  readonly dashboardName?: string;
  /** Period of the graphs and alarms. @default Duration.minutes(5) */
  readonly period?: Duration;
}

/**
 * The CloudWatch dashboard and the alarms. Functions and dead-letter queues are added as they are
 * watched (`watch`, `watchDeadLetterQueue`, or `watchAll` to find every one under a construct), so a
 * new pipeline stage is covered without touching this file.
 */
export class Operations extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** Fires on any scan timeout (an ERROR SCAN_TIMEOUT verdict). */
  public readonly scanTimeoutAlarm: cloudwatch.Alarm;
  /** Fires when a receiver refused an alert notify delivered (or could not be reached): `AlertsFailed` > 0. */
  public readonly alertsFailedAlarm: cloudwatch.Alarm;
  private readonly period: Duration;
  private readonly action: actions.SnsAction;
  private readonly errors: cloudwatch.GraphWidget;
  private readonly throttles: cloudwatch.GraphWidget;
  private readonly deadLetterDepth: cloudwatch.GraphWidget;
  private readonly functions = new Set<TollgateFunction>();
  private readonly queues = new Set<sqs.IQueue>();
  private readonly watchedAlarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.period = props.period ?? Duration.minutes(5);
    this.action = new actions.SnsAction(props.topic);

    this.errors = this.graph('Function errors', 'Sum');
    this.throttles = this.graph('Function throttles', 'Sum');
    this.deadLetterDepth = this.graph('Dead-letter queue depth', 'Count');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? 'Tollgate',
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Verdicts by outcome',
        width: 12,
        stacked: true,
        left: OUTCOMES.map(({ outcome, color }) =>
          this.sum(METRIC.verdicts, `outcome="${outcome}"`, { label: outcome, color }, 'outcome'),
        ),
        leftYAxis: { min: 0, label: 'Count', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Push to verdict (seconds)',
        width: 6,
        left: (['p50', 'p95'] as const).map((stat) => this.percentile(METRIC.pushToVerdict, stat)),
        leftYAxis: { min: 0, label: 'Seconds', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Scan timeouts',
        width: 6,
        left: [this.sum(METRIC.scanTimeouts, '', { label: 'SCAN_TIMEOUT', color: cloudwatch.Color.ORANGE })],
        leftYAxis: { min: 0, label: 'Count', showUnits: false },
      }),
    );
    this.dashboard.addWidgets(this.errors, this.throttles, this.deadLetterDepth);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Signing duration (ms)',
        width: 8,
        left: (['p50', 'p95'] as const).map((stat) => this.percentile(METRIC.signingDuration, stat)),
        leftYAxis: { min: 0, label: 'Milliseconds', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Events published and failed',
        width: 8,
        left: [
          this.sum(METRIC.eventsPublished, '', { label: 'published', color: cloudwatch.Color.BLUE }),
          this.sum(METRIC.eventsFailed, '', { label: 'failed', color: cloudwatch.Color.RED }),
        ],
        leftYAxis: { min: 0, label: 'Count', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        title: 'Alerts sent',
        width: 8,
        left: [this.sum(METRIC.alertsSent, '', { label: 'alerts', color: cloudwatch.Color.PINK })],
        leftYAxis: { min: 0, label: 'Count', showUnits: false },
      }),
    );

    // Metrics Insights, not a plain metric: whichever function reports a timeout, it is counted.
    this.scanTimeoutAlarm = this.alarm('ScanTimeouts', {
      alarmDescription:
        'Tollgate: an image got ERROR SCAN_TIMEOUT (its scan never reported); it was not signed',
      metric: new cloudwatch.MathExpression({
        expression: `SELECT SUM(${METRIC.scanTimeouts}) FROM SCHEMA(${METRICS_NAMESPACE}, "function", service)`,
        period: this.period,
        label: 'Scan timeouts',
      }),
      threshold: 0,
    });
    // Each attempt that a receiver refused counts; the alert itself is retried, then waits in notify's DLQ.
    this.alertsFailedAlarm = this.alarm('AlertsFailed', {
      alarmDescription:
        'Tollgate: an alert receiver (Slack chat.postMessage, Sysdig, PagerDuty) refused an alert or could not be reached; notify retries it, then it waits in notify’s dead-letter queue (docs/operations.md)',
      metric: new cloudwatch.MathExpression({
        expression: `SELECT SUM(${METRIC.alertsFailed}) FROM SCHEMA(${METRICS_NAMESPACE}, "function", service)`,
        period: this.period,
        label: 'Alerts failed',
      }),
      threshold: 0,
    });
  }

  /**
   * The sweep's graph and alarm: covered images it found with no final verdict after the scan timeout (events
   * were lost; the sweep is dealing with each), and the attestations it re-issued.
   */
  public watchSweep(interval: Duration): cloudwatch.Alarm {
    const period = Duration.minutes(Math.max(5, interval.toMinutes()));
    const metric = (metricName: string, label: string, color: string): cloudwatch.IMetric =>
      new cloudwatch.MathExpression({
        expression: `SELECT MAX(${metricName}) FROM SCHEMA(${METRICS_NAMESPACE}, "function", service)`,
        period,
        label,
        color,
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Sweep: images without a verdict, attestations refreshed',
        width: 12,
        left: [
          metric(METRIC.imagesWithoutVerdict, 'without verdict', cloudwatch.Color.RED),
          metric(METRIC.attestationsRefreshed, 'attestations refreshed', cloudwatch.Color.GREEN),
        ],
        leftYAxis: { min: 0, label: 'Count', showUnits: false },
      }),
    );
    return this.alarm('ImagesWithoutVerdict', {
      alarmDescription:
        'Tollgate: the sweep found covered images with no final verdict after the scan timeout: events were lost (docs/reconcile.md)',
      metric: metric(METRIC.imagesWithoutVerdict, 'Images without verdict', cloudwatch.Color.RED),
      threshold: 0,
    });
  }

  /** Every alarm this construct created or wired to the topic. */
  public get alarms(): readonly cloudwatch.Alarm[] {
    return this.watchedAlarms;
  }

  /**
   * Graphs a function's errors, throttles and dead-letter depth; wires its dead-letter alarm to the
   * topic; and alarms when more than 1% of its invocations fail. Watching twice is a no-op.
   */
  public watch(fn: TollgateFunction, label: string = defaultLabel(fn)): void {
    if (this.functions.has(fn)) return;
    this.functions.add(fn);
    const lambdaFn = fn.function;
    this.errors.addLeftMetric(lambdaFn.metricErrors({ label, period: this.period, statistic: 'Sum' }));
    this.throttles.addLeftMetric(lambdaFn.metricThrottles({ label, period: this.period, statistic: 'Sum' }));
    this.queues.add(fn.deadLetterQueue);
    this.deadLetterDepth.addLeftMetric(this.depth(fn.deadLetterQueue, label));
    fn.dlqAlarm.addAlarmAction(this.action);
    this.watchedAlarms.push(fn.dlqAlarm);
    this.alarm(`ErrorRate-${constructId(label)}`, {
      alarmDescription: `Tollgate ${label}: more than 1% of invocations failed`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          errors: lambdaFn.metricErrors({ statistic: 'Sum' }),
          invocations: lambdaFn.metricInvocations({ statistic: 'Sum' }),
        },
        period: this.period,
        label: `${label} error rate (%)`,
      }),
      threshold: 1,
    });
  }

  /** Graphs a dead-letter queue (of a rule target, say) and alarms as soon as it holds a message. */
  public watchDeadLetterQueue(queue: sqs.IQueue, label: string): void {
    if (this.queues.has(queue)) return;
    this.queues.add(queue);
    this.deadLetterDepth.addLeftMetric(this.depth(queue, label));
    this.alarm(`DeadLetters-${constructId(label)}`, {
      alarmDescription: `Tollgate ${label}: events exhausted their retries and wait in the dead-letter queue`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
    });
  }

  /**
   * Watches every TollgateFunction under `scope`, and every SQS queue whose construct id names it a
   * dead-letter queue (`…DeadLetters`). Call it once all stages exist.
   */
  public watchAll(scope: Construct): void {
    const all = scope.node.findAll();
    for (const node of all) {
      if (node instanceof TollgateFunction) this.watch(node, relativeLabel(scope, node));
    }
    for (const node of all) {
      if (node instanceof sqs.Queue && DEAD_LETTER_ID.test(node.node.id)) {
        this.watchDeadLetterQueue(node, relativeLabel(scope, node));
      }
    }
  }

  private graph(title: string, unit: string): cloudwatch.GraphWidget {
    return new cloudwatch.GraphWidget({
      title,
      width: 8,
      leftYAxis: { min: 0, label: unit, showUnits: false },
      left: [],
    });
  }

  private depth(queue: sqs.IQueue, label: string): cloudwatch.IMetric {
    return queue.metricApproximateNumberOfMessagesVisible({
      label,
      period: this.period,
      statistic: 'Maximum',
    });
  }

  /**
   * The sum of a metric over every function that emits it. A search, because the dimensions name the
   * function, and a new function emitting `Verdicts` must be counted without a change here.
   */
  private sum(
    metricName: string,
    filter: string,
    style: { readonly label: string; readonly color: string },
    extraDimension?: string,
  ): cloudwatch.IMetric {
    const schema = [
      METRICS_NAMESPACE,
      'function',
      ...(extraDimension === undefined ? [] : [extraDimension]),
      'service',
    ];
    const terms = [`MetricName="${metricName}"`, ...(filter === '' ? [] : [filter])].join(' ');
    return new cloudwatch.MathExpression({
      expression: `SUM(SEARCH('{${schema.join(',')}} ${terms}', 'Sum', ${this.period.toSeconds()}))`,
      period: this.period,
      ...style,
    });
  }

  /** One line per emitting function; percentiles cannot be summed across them. */
  private percentile(metricName: string, stat: 'p50' | 'p95'): cloudwatch.IMetric {
    return new cloudwatch.SearchExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},function,service} MetricName="${metricName}"', '${stat}', ${this.period.toSeconds()})`,
      period: this.period,
      label: stat,
    });
  }

  private alarm(
    id: string,
    props: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold'>,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    this.watchedAlarms.push(alarm);
    return alarm;
  }
}

const defaultLabel = (fn: TollgateFunction): string => {
  const parent = fn.node.scope?.node.id;
  return parent === undefined ? fn.node.id : `${parent}/${fn.node.id}`;
};

const relativeLabel = (scope: Construct, node: Construct): string =>
  node.node.path.startsWith(`${scope.node.path}/`)
    ? node.node.path.slice(scope.node.path.length + 1)
    : node.node.id;

const constructId = (label: string): string => label.replace(/[^A-Za-z0-9-]/g, '');
