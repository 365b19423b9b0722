import { Annotations, CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { resolve } from 'node:path';
import { Construct } from 'constructs';
import { CONFIG_ENV, POLICY_FILE_ENV } from '../shared/adapters/runtime/settings';
import type { OrganizationConfig, TollgateConfig, TollgateConfigInput } from '../shared/core/config';
import type { LoadedPolicy } from '../shared/core/policy';
import { resolveSettings } from './config-file';
import { Alerts } from './constructs/alerts';
import { reserveTollgateSource } from './constructs/event-bus-policy';
import { acceptOrganizationEvents } from './constructs/organization-bus-policy';
import { SpokeRoutes } from './constructs/spoke-routes';
import type { TollgateFunction } from './constructs/tollgate-function';
import { HUB_FUNCTIONS, hubRoleName, type HubFunction } from '../shared/core/config/spoke-roles';
import { EventContract } from './constructs/event-contract';
import { Operations } from './constructs/operations';
import { OnPush } from './constructs/on-push';
import { OnScan } from './constructs/on-scan';
import { PublicKeyParameter } from './constructs/public-key-parameter';
import { Reconciler } from './constructs/reconciler';
import { Signer } from './constructs/signer';
import { defaultDeploymentRoles, deploymentRolesIn, SigningKey } from './constructs/signing-key';
import { VerdictTable } from './constructs/verdict-table';
import { warnAboutVerifiers } from './constructs/verifier-compatibility';
import { FUNCTION_ENV } from '../shared/core/env-contract';

export interface TollgateProps {
  /**
   * What `tollgate.config.yaml` holds. Validated at synth time: an unknown key or a bad value
   * fails `cdk synth` with the field's path and the allowed values.
   */
  readonly config: TollgateConfigInput;
  /**
   * The folder relative paths in `config` (the policy file) are resolved from.
   * @default process.cwd()
   */
  readonly baseDir?: string;
  /**
   * Name of the custom event bus verdicts are published on.
   * @default 'tollgate'
   */
  readonly busName?: string;
  /**
   * The roles CloudFormation deploys with as a service role; only they, and CloudFormation acting with the
   * deployer's own credentials, may create, move or delete the signing key's aliases (SigningKey).
   * @default the stack synthesizer's CloudFormation execution role for a DefaultStackSynthesizer (CDK's bootstrap
   *   `cdk-…-cfn-exec-role`), else none
   */
  readonly deploymentRoleArns?: readonly string[];
}

/** The whole gate for one account and region: drop it into any stack. */
export class Tollgate extends Construct {
  public readonly config: TollgateConfig;
  public readonly policy: LoadedPolicy;
  public readonly signingKey: SigningKey;
  public readonly verdictTable: VerdictTable;
  public readonly bus: events.EventBus;
  /** Set on every function: the validated config, and where the bundled policy is. */
  public readonly functionEnvironment: Readonly<Record<string, string>>;
  public readonly onPush: OnPush;
  public readonly onScan: OnScan;
  public readonly signer: Signer;
  /** The sweep: reconciles the registry with the verdict table on a schedule (docs/reconcile.md). */
  public readonly reconciler: Reconciler;
  /** Bus archive and schema registry. */
  public readonly eventContract: EventContract;
  public readonly alerts: Alerts;
  /** Dashboard and alarms; covers every function and dead-letter queue (watchAll, below). */
  public readonly operations: Operations;
  /** With `organization`: the rules that take the spokes' forwarded events, and the AssumeRole grants. */
  public readonly spokeRoutes: SpokeRoutes | undefined;
  /** Copied into every bundle; see TollgateFunction `bundledFiles`. */
  public readonly bundledFiles: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: TollgateProps) {
    super(scope, id);
    const settings = resolveSettings(props.config, props.baseDir ?? process.cwd());
    this.config = settings.config;
    this.policy = settings.policy;
    // A format choice that makes common verifiers refuse every image is legal, but must not pass unnoticed.
    warnAboutVerifiers(this, this.config.signatures.formats);

    const keyConfig = this.config.organization?.signingKey;
    const replicaRegions = keyConfig?.replicaRegions ?? [];
    this.signingKey = new SigningKey(this, 'Signing', {
      alias: this.config.signatures.keyAlias,
      deploymentRoleArns: props.deploymentRoleArns ?? defaultDeploymentRoles(this),
      multiRegion: keyConfig?.multiRegion ?? false,
      signWithMultiRegion: keyConfig?.signsWith === 'multi-region',
      replicaRegions,
      replicaDeploymentRoleArns: deploymentRolesIn(this, replicaRegions),
    });
    this.verdictTable = new VerdictTable(this, 'Verdicts');
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? 'tollgate' });
    this.functionEnvironment = {
      [CONFIG_ENV]: JSON.stringify(this.config),
      [POLICY_FILE_ENV]: 'tollgate.policy.yaml',
      [FUNCTION_ENV.table]: this.verdictTable.table.tableName,
      [FUNCTION_ENV.bus]: this.bus.eventBusName,
      [FUNCTION_ENV.signingKey]: this.signingKey.key.keyArn,
    };
    this.bundledFiles = {
      'tollgate.policy.yaml': resolve(props.baseDir ?? process.cwd(), this.config.policy),
    };

    // Pipeline stages: each issue adds its construct here.
    const publicKey = new PublicKeyParameter(this, 'PublicKey', { key: this.signingKey.key });
    new CfnOutput(this, 'SigningPublicKeyParameter', {
      value: publicKey.parameter.parameterName,
      description:
        'SSM parameter holding the signing public key PEM (aws ssm get-parameter --query Parameter.Value)',
    });
    const standby = this.signingKey.standbyKey;
    if (standby !== undefined) {
      // During the migration gates trust both keys: the standby's public key is published beside the signer's.
      const standbyPublicKey = new PublicKeyParameter(this, 'StandbyPublicKey', {
        key: standby,
        parameterName: '/tollgate/standby-signing-public-key',
      });
      new CfnOutput(this, 'StandbySigningPublicKeyParameter', {
        value: standbyPublicKey.parameter.parameterName,
        description:
          'SSM parameter holding the public PEM of the key that does not sign (the multi-Region key before it signs, the single-Region key after): trust it beside the signer during the migration',
      });
      new CfnOutput(this, 'StandbySigningKeyArn', {
        value: standby.keyArn,
        description: 'The signing key that does not sign now: trusted by gates during the migration',
      });
    }
    this.eventContract = new EventContract(this, 'Events', {
      bus: this.bus,
      archiveRetentionDays: this.config.archiveRetentionDays,
    });
    this.alerts = new Alerts(this, 'Alerts', {
      bus: this.bus,
      alerts: this.config.alerts,
      environment: this.functionEnvironment,
      bundledFiles: this.bundledFiles,
    });
    this.operations = new Operations(this, 'Operations', { topic: this.alerts.topic });
    const stage = {
      repositories: this.config.repositories,
      table: this.verdictTable.table,
      bus: this.bus,
      environment: this.functionEnvironment,
      bundledFiles: this.bundledFiles,
    };
    this.onScan = new OnScan(this, 'OnScan', stage);
    this.onPush = new OnPush(this, 'OnPush', { ...stage, onTimeout: this.onScan.onTimeout });
    this.signer = new Signer(this, 'Signer', {
      ...stage,
      key: this.signingKey.key,
      concurrency: this.config.signing.concurrency,
    });
    this.reconciler = new Reconciler(this, 'Reconcile', {
      ...stage,
      onPush: this.onPush,
      onTimeout: this.onScan.onTimeout,
      intervalMinutes: this.config.reconcile.intervalMinutes,
    });

    // Consumers trust `source: tollgate` on this bus: only the roles that publish it may put it (section 5 of
    // docs/threat-model.md). A new publishing stage must be added here, or its events are refused.
    reserveTollgateSource(this.bus, this.publishers());
    this.spokeRoutes =
      this.config.organization === undefined ? undefined : this.openToOrganization(this.config.organization);

    // Keep after every stage: the dashboard and alarms cover each function and dead-letter queue found here.
    this.operations.watchAll(this);
    this.operations.watchSweep(Duration.minutes(this.config.reconcile.intervalMinutes));
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn });

    new CfnOutput(this, 'SigningKeyArn', {
      value: this.signingKey.key.keyArn,
      description:
        'Tollgate signing key ARN: the trust root. Pass it as --key-id to tollgate verify and policy, or as --key awskms:///<ARN>',
    });
    new CfnOutput(this, 'SigningKeyAlias', {
      value: this.signingKey.alias.aliasName,
      description:
        'Use as --key awskms:///<alias> with tollgate verify and policy, with --key-id <SigningKeyArn> to pin it',
    });
    new CfnOutput(this, 'VerdictBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'VerdictTableName', {
      value: this.verdictTable.table.tableName,
      description: 'The verdict table: tollgate status --table <VerdictTableName>',
    });
    new CfnOutput(this, 'ReconcileFunctionName', {
      value: this.reconciler.function.function.functionName,
      description: 'The sweep: tollgate backfill --function <ReconcileFunctionName>',
    });
  }

  /**
   * The hub side of the hub-and-spoke form (docs/organization.md): the bus takes the spokes' forwarded ECR and
   * Inspector events, and the functions that act in a spoke get the fixed role names the spokes' trust names.
   * @throws OrganizationConfigError when the stack is deployed somewhere else than `organization.hub` says
   */
  private openToOrganization(organization: OrganizationConfig): SpokeRoutes {
    const stack = Stack.of(this);
    for (const [field, actual, expected] of [
      ['account', stack.account, organization.hub.account],
      ['region', stack.region, organization.hub.region],
    ] as const) {
      if (!Token.isUnresolved(actual) && actual !== expected) {
        throw new OrganizationConfigError(
          `organization.hub.${field}: the spokes would trust a hub in ${expected}, but this stack deploys to ${actual}`,
        );
      }
    }
    acceptOrganizationEvents(this.bus, organization);
    const functions: Readonly<Record<HubFunction, TollgateFunction>> = {
      'on-push': this.onPush.function,
      'on-scan': this.onScan.function,
      'on-timeout': this.onScan.onTimeout,
      sign: this.signer.function,
      reconcile: this.reconciler.function,
    };
    const lambdas = {} as Record<HubFunction, lambda.IFunction>;
    for (const fn of HUB_FUNCTIONS) {
      const role = functions[fn].function.role!.node.defaultChild as iam.CfnRole;
      role.roleName = hubRoleName(organization.hub.region, fn);
      lambdas[fn] = functions[fn].function;
    }
    const routes = new SpokeRoutes(this, 'SpokeRoutes', { bus: this.bus, organization, functions: lambdas });
    // Said at every synth while parts of the form are missing (docs/organization.md, "Status").
    Annotations.of(this).addWarningV2(
      'tollgate:organization-preview',
      'organization: the hub judges and signs what the spokes forward, but the sweep does not reconcile spoke repositories yet, and the form is not verified against AWS (docs/organization.md, "Status")',
    );
    return routes;
  }

  /** The roles of the functions that put events on the bus (each has `events:PutEvents` on it). */
  public publishers(): iam.IRole[] {
    return [
      this.onPush.function,
      this.onScan.function,
      this.onScan.onTimeout,
      this.signer.function,
      this.reconciler.function,
      ...(this.alerts.notify === undefined ? [] : [this.alerts.notify]),
    ].map((fn) => fn.function.role!);
  }
}

/** `organization` contradicts where the hub is deployed. */
export class OrganizationConfigError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrganizationConfigError';
  }
}
