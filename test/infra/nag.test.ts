import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TollgateFunction } from '../../infra/constructs/tollgate-function';
import { TollgateStack } from '../../infra/tollgate-stack';
import { baseConfig, REPO_ROOT } from '../helpers/stack';

/**
 * cdk-nag's AWS Solutions pack over the whole stack (cdk-nag 3 runs as a CDK policy-validation plugin, and
 * `Validations.of(...).acknowledge` replaces v2's NagSuppressions). Every finding left is acknowledged
 * below, on the narrowest construct that has it, with the reason it is acceptable; a new finding
 * anywhere fails this test until it is fixed or acknowledged with a reason.
 */

type Acknowledge = (scope: IConstruct, rule: string, reason: string) => void;
const acknowledge: Acknowledge = (scope, rule, reason) =>
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });

/** Findings every Tollgate function has by construction (infra/constructs/tollgate-function.ts). */
const acknowledgeFunctions = (stack: Stack): void => {
  for (const construct of stack.node.findAll()) {
    if (construct instanceof TollgateFunction) {
      const role = construct.function.role!;
      acknowledge(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs',
      );
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource-level permissions; other Resource::* statements are listed per stage below',
      );
    }
    // Queues named *DeadLetters* are the on-failure destinations and rule DLQs: they are the DLQ.
    if (construct instanceof sqs.Queue && construct.node.id.includes('DeadLetters')) {
      acknowledge(
        construct,
        'AwsSolutions-SQS3',
        'This queue is a dead-letter queue (Lambda on-failure destination or EventBridge rule DLQ)',
      );
    }
  }
};

/** IAM globs over the covered repositories: each names exactly what the configuration covers. */
const acknowledgeRepositoryGlobs = (scope: IConstruct, repositories: readonly string[]): void => {
  for (const pattern of repositories.filter((repository) => repository.includes('*'))) {
    acknowledge(
      scope,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:us-west-2:123456789012:repository/${pattern}]`,
      `Scoped to the configured repository pattern ${pattern}, the repositories Tollgate covers`,
    );
  }
};

const build = (
  repositories: readonly string[],
  addToStack: (stack: TollgateStack) => void = () => undefined,
): { app: App; outdir: string } => {
  const outdir = mkdtempSync(join(tmpdir(), 'tollgate-nag-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TollgateStack(app, 'Tollgate', {
    config: baseConfig({ repositories: [...repositories] }),
    baseDir: REPO_ROOT,
    env: { account: '123456789012', region: 'us-west-2' },
  });
  addToStack(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeFunctions(stack);
  const { tollgate } = stack;

  // On push (issue #4).
  const onPushRole = tollgate.onPush.function.function.role!;
  acknowledgeRepositoryGlobs(onPushRole, repositories);
  acknowledge(
    onPushRole,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:us-west-2:123456789012:schedule/tollgate-scan-timeouts/*]',
    'Schedules are named per image at run time; the grant is limited to Tollgate’s own schedule group',
  );
  acknowledge(
    tollgate.onPush.schedulerRole,
    `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(tollgate.onScan.onTimeout.function.node.defaultChild as CfnElement)}.Arn>:*]`,
    'grantInvoke adds the function’s version/alias ARNs; the role can invoke on-timeout and nothing else',
  );

  // On scan and on-timeout (issue #5).
  for (const fn of [tollgate.onScan.function, tollgate.onScan.onTimeout])
    acknowledgeRepositoryGlobs(fn.function.role!, repositories);

  // Signing (issue #6).
  acknowledgeRepositoryGlobs(tollgate.signer.function.function.role!, repositories);

  // The sweep (issue #16).
  const sweepRole = tollgate.reconciler.function.function.role!;
  acknowledgeRepositoryGlobs(sweepRole, repositories);
  acknowledge(
    sweepRole,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:us-west-2:123456789012:schedule/tollgate-scan-timeouts/*]',
    'The sweep starts a pipeline as on-push does: schedules named per image, in Tollgate’s own group only',
  );
  acknowledge(
    sweepRole,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:us-west-2:123456789012:repository/*]',
    'ecr:DescribeRepositories only, to list the repositories and find the covered ones; every call on images is scoped to those',
  );
  acknowledge(
    tollgate.reconciler.node.findChild('ScheduleRole'),
    `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(tollgate.reconciler.function.function.node.defaultChild as CfnElement)}.Arn>:*]`,
    'grantInvoke adds the function’s version/alias ARNs; the role can invoke the sweep and nothing else',
  );

  // Alerts (issue #7).
  for (const construct of tollgate.alerts.node.findAll()) {
    if (construct instanceof TollgateFunction) {
      acknowledge(
        construct.function.role!,
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'Publishing to the KMS-encrypted alert topic needs GenerateDataKey*, granted on that key only',
      );
    }
  }
  return { app, outdir };
};

interface Report {
  readonly pluginReports: readonly {
    readonly violations: readonly {
      readonly ruleName: string;
      readonly violatingConstructs: readonly { readonly constructPath: string }[];
    }[];
  }[];
}

/** The findings left, as `rule at path`, so a failure names each one. */
const findings = (repositories: readonly string[], addToStack?: (stack: TollgateStack) => void): string[] => {
  const { app, outdir } = build(repositories, addToStack);
  try {
    app.synth();
    return [];
  } catch {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
    return report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingConstructs.map(
          (construct) => `${violation.ruleName} at ${construct.constructPath}`,
        ),
      ),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

describe('cdk-nag AwsSolutions checks', () => {
  it('leave no unacknowledged finding in the stack', () => {
    expect(findings(['payments/*', 'web/frontend'])).toEqual([]);
  });

  it('leave none either when every repository is covered', () => {
    expect(findings(['*'])).toEqual([]);
  });

  it('report a finding nobody acknowledged, by rule and construct path (the check can fail)', () => {
    const found = findings(['payments/*'], (stack) => {
      new sqs.Queue(stack, 'CarelessQueue');
    });
    expect(found).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS4 at Tollgate\/CarelessQueue/)]),
    );
    expect(found.every((finding) => finding.includes('CarelessQueue'))).toBe(true);
  });

  it('carry a reason with every acknowledgement anywhere in the construct tree', () => {
    const { app, outdir } = build(['payments/*', 'web/frontend']);
    rmSync(outdir, { recursive: true, force: true });
    const acknowledged = app.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>)),
      );
    expect(acknowledged.length).toBeGreaterThan(0);
    const withoutReason = acknowledged.filter(
      ([, reason]) => typeof reason !== 'string' || reason.trim().length < 20,
    );
    expect(withoutReason).toEqual([]);
  });
});
