import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ECR_IMAGE_ACTION } from '../../shared/core/events/ecr-image-action';
import { ECR_IMAGE_SCAN } from '../../shared/core/events/ecr-image-scan';
import { INSPECTOR2_FINDING } from '../../shared/core/events/inspector2-finding';
import { INSPECTOR2_SCAN } from '../../shared/core/events/inspector2-scan';
import { ownAccountPattern, repositoryNamePattern } from '../constructs/repository-scope';
import { SPOKE_ACCESS } from './hub-access';
import {
  HUB_FUNCTIONS,
  hubRoleArn,
  spokeRoleName,
  type HubFunction,
} from '../../shared/core/config/spoke-roles';

export interface TollgateSpokeProps {
  /** The AWS Organizations id: the spoke's roles trust the hub only as a principal of this organization. */
  readonly organizationId: string;
  /** Where the hub is deployed. */
  readonly hub: { readonly account: string; readonly region: string };
  /**
   * The hub's Tollgate bus, by name.
   * @default 'tollgate'
   */
  readonly hubBusName?: string;
  /** Repository names or globs this spoke's images are covered in (the hub's, or the spoke's own). */
  readonly repositories: readonly string[];
}

/**
 * What a member account and region holds for the hub (docs/organization.md): rules forwarding the covered
 * repositories' ECR and Inspector events to the hub's bus, and one role per hub function, assumed by that function's
 * role alone, to act on the covered repositories here. Nothing else: no function, no asset, no key, no table, so the
 * synthesized template deploys as a CloudFormation StackSet as it is, into any account and region (every account and
 * region in it is the pseudo parameter's, the hub's excepted).
 */
export class TollgateSpoke extends Construct {
  public readonly rules: readonly events.Rule[];
  public readonly roles: Readonly<Record<HubFunction, iam.Role>>;
  /** Forwarded events EventBridge could not deliver to the hub, kept 14 days for a redrive. */
  public readonly forwardDeadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: TollgateSpokeProps) {
    super(scope, id);
    const { hub, repositories } = props;
    const hubBus = events.EventBus.fromEventBusArn(
      this,
      'HubBus',
      `arn:${Aws.PARTITION}:events:${hub.region}:${hub.account}:event-bus/${props.hubBusName ?? 'tollgate'}`,
    );
    this.forwardDeadLetterQueue = new sqs.Queue(this, 'ForwardDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const forward = new targets.EventBus(hubBus, { deadLetterQueue: this.forwardDeadLetterQueue });
    const account = ownAccountPattern(this);
    const repositoryArn = (glob: string): unknown => {
      const arn = Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: glob });
      return glob.includes('*') ? { wildcard: arn } : arn;
    };
    this.rules = [
      new events.Rule(this, 'ForwardEcr', {
        description: 'Pushes, deletes and basic scans of the covered repositories → the Tollgate hub',
        eventPattern: {
          source: ['aws.ecr'],
          account,
          detailType: [ECR_IMAGE_ACTION, ECR_IMAGE_SCAN],
          detail: { 'repository-name': repositoryNamePattern(repositories) },
        },
        targets: [forward],
      }),
      new events.Rule(this, 'ForwardInspectorScan', {
        description: 'Enhanced scans of the covered repositories → the Tollgate hub',
        eventPattern: {
          source: ['aws.inspector2'],
          account,
          detailType: [INSPECTOR2_SCAN],
          // Inspector names the repository by its ARN.
          detail: { 'repository-name': repositories.map(repositoryArn) },
        },
        targets: [forward],
      }),
      new events.Rule(this, 'ForwardInspectorFinding', {
        description: 'Inspector findings on images of the covered repositories → the Tollgate hub',
        eventPattern: {
          source: ['aws.inspector2'],
          account,
          detailType: [INSPECTOR2_FINDING],
          // Only container images of covered repositories: the account's other findings are not the hub's to read.
          detail: {
            // The image's own account too (a delegated administrator receives its members' findings).
            awsAccountId: account,
            resources: {
              type: ['AWS_ECR_CONTAINER_IMAGE'],
              details: { awsEcrContainerImage: { repositoryName: repositoryNamePattern(repositories) } },
            },
          },
        },
        targets: [forward],
      }),
    ];

    const roles = {} as Record<HubFunction, iam.Role>;
    for (const fn of HUB_FUNCTIONS) roles[fn] = this.hubRole(props, fn);
    this.roles = roles;
  }

  private hubRole(props: TollgateSpokeProps, fn: HubFunction): iam.Role {
    const access = SPOKE_ACCESS[fn];
    const stack = Stack.of(this);
    const statements = [
      new iam.PolicyStatement({
        sid: 'CoveredRepositories',
        actions: [...access.repositoryActions],
        resources: props.repositories.map((glob) =>
          stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: glob }),
        ),
      }),
      new iam.PolicyStatement({
        sid: 'RegistryLevel',
        // No resource-level permissions exist for these (GetAuthorizationToken, scanning configuration,
        // Inspector's ListFindings).
        actions: [...access.registryActions],
        resources: ['*'],
      }),
    ];
    if (access.listsRepositories === true) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ListRepositories',
          actions: ['ecr:DescribeRepositories'],
          resources: [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
        }),
      );
    }
    return new iam.Role(
      this,
      `Hub${fn.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}`,
      {
        roleName: spokeRoleName(Aws.REGION, fn),
        description: `Assumed by the Tollgate hub's ${fn} function to act on this account's covered repositories`,
        // The one hub role, by ARN (IAM pins it to the role's unique id when the policy is saved), and only as a
        // principal of the organization.
        assumedBy: new iam.ArnPrincipal(hubRoleArn(props.hub, fn)).withConditions({
          StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
        }),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: { HubAccess: new iam.PolicyDocument({ statements }) },
      },
    );
  }
}
