import { isAbsolute, join, relative, resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The repository root: entries and bundled files are named relative to it in the template metadata. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** Metadata keys the local stack reads from the synthesized template (local/template). */
export const ENTRY_METADATA = 'tollgate:entry';
export const BUNDLED_FILES_METADATA = 'tollgate:bundled-files';

export interface TollgateFunctionProps {
  /** The handler source, relative to the repository root, exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Files copied into the bundle next to the handler, by their name in the bundle. The handler
   * finds them under `LAMBDA_TASK_ROOT`, which Lambda (and the local invoker) sets.
   * @default none
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Lambda's own retries of a failed asynchronous invocation before the event goes to the DLQ.
   * @default 2
   */
  readonly retryAttempts?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Every Tollgate Lambda: Node.js 24 on arm64, bundled by the local esbuild (never Docker),
 * traced, JSON logs, and a dead-letter queue for invocations that exhaust their retries, so an
 * event is never lost silently.
 */
export class TollgateFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly dlqAlarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: TollgateFunctionProps) {
    super(scope, id);
    if (isAbsolute(props.entry)) {
      throw new Error(`TollgateFunction entry must be relative to the repository root, got ${props.entry}`);
    }
    const bundledFiles = Object.fromEntries(
      Object.entries(props.bundledFiles ?? {}).map(([name, source]) => [
        name,
        relative(PROJECT_ROOT, resolve(source)),
      ]),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'tollgate',
        POWERTOOLS_METRICS_NAMESPACE: 'Tollgate',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // The SDK v3 in the nodejs24.x runtime is used, which keeps bundles small and cold starts short.
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) =>
            Object.entries(bundledFiles).map(
              ([name, source]) => `cp "${join(PROJECT_ROOT, source)}" "${join(outputDir, name)}"`,
            ),
        },
      },
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: props.retryAttempts ?? 2,
    });
    // Read by the local stack, so it runs the same handler source the bundle is built from.
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, props.entry);
    cfn.addMetadata(BUNDLED_FILES_METADATA, bundledFiles);

    this.dlqAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `Events for ${id} exhausted their retries and wait in its dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
