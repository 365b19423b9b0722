import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OrganizationConfig } from '../../shared/core/config';
import { HUB_FUNCTIONS, spokeRoleArn, type HubFunction } from '../../shared/core/config/spoke-roles';
import { ECR_IMAGE_ACTION } from '../../shared/core/events/ecr-image-action';
import { ECR_IMAGE_SCAN } from '../../shared/core/events/ecr-image-scan';
import { INSPECTOR2_FINDING } from '../../shared/core/events/inspector2-finding';
import { INSPECTOR2_SCAN } from '../../shared/core/events/inspector2-scan';

export interface SpokeRoutesProps {
  readonly bus: events.EventBus;
  readonly organization: OrganizationConfig;
  readonly functions: Readonly<Record<HubFunction, lambda.IFunction>>;
}

/**
 * The hub's side of the forwarding: rules on the Tollgate bus that take the spokes' forwarded ECR and Inspector
 * events to on-push and on-scan, and each hub function's right to assume its own role in the spokes.
 *
 * The rules match any account but the hub's: the bus policy (organization-bus-policy.ts) is what admits a spoke, and
 * OU entries cannot be listed here. Which repositories of which account and region count is decided by the
 * function, from the deployed config (shared/core/config/event-scope.ts), because the spoke's own rule is the
 * spoke's to change.
 */
export class SpokeRoutes extends Construct {
  public readonly rules: readonly events.Rule[];
  /** Forwarded events a rule could not deliver to its function. */
  public readonly deadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: SpokeRoutesProps) {
    super(scope, id);
    const { bus, functions } = props;
    this.deadLetterQueue = new sqs.Queue(this, 'RuleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const to = (fn: lambda.IFunction): targets.LambdaFunction =>
      new targets.LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      });
    const spokes = [{ 'anything-but': Stack.of(this).account }] as unknown as string[];
    const rule = (ruleId: string, description: string, pattern: events.EventPattern, fn: lambda.IFunction) =>
      new events.Rule(this, ruleId, {
        eventBus: bus,
        description,
        eventPattern: { account: spokes, ...pattern },
        targets: [to(fn)],
      });
    this.rules = [
      rule(
        'ImageAction',
        "A spoke's forwarded ECR pushes and deletes → Tollgate on-push",
        {
          source: ['aws.ecr'],
          detailType: [ECR_IMAGE_ACTION],
          detail: { 'action-type': ['PUSH', 'DELETE'], result: ['SUCCESS'] },
        },
        functions['on-push'],
      ),
      rule(
        'Scans',
        "A spoke's forwarded scan results and ACTIVE findings → Tollgate on-scan",
        {
          source: ['aws.ecr', 'aws.inspector2'],
          detailType: [ECR_IMAGE_SCAN, INSPECTOR2_SCAN, INSPECTOR2_FINDING],
        },
        functions['on-scan'],
      ),
    ];
    for (const fn of HUB_FUNCTIONS) grantSpokeRole(functions[fn], fn, props.organization);
  }
}

/**
 * `sts:AssumeRole` on the function's own role in the spokes, and no other: by account where the spokes are listed,
 * and for OU entries any account's role of that name, held to the organization by `aws:ResourceOrgID`.
 */
const grantSpokeRole = (
  fn: lambda.IFunction,
  hubFunction: HubFunction,
  organization: OrganizationConfig,
): void => {
  const regions = [...new Set(organization.spokes.flatMap((spoke) => spoke.regions))];
  const listed = [...new Set(organization.spokes.flatMap((spoke) => spoke.accounts ?? []))];
  const byUnit = organization.spokes.some((spoke) => spoke.organizationalUnits !== undefined);
  const roles = (account: string): string[] =>
    regions.map((region) => spokeRoleArn({ account, region }, hubFunction));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'AssumeOwnSpokeRole',
      actions: ['sts:AssumeRole'],
      resources: byUnit ? roles('*') : listed.flatMap(roles),
      conditions: { StringEquals: { 'aws:ResourceOrgID': organization.id } },
    }),
  );
};
