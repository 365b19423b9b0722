import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SIGNING_REQUESTED, TOLLGATE_SOURCE } from '../../shared/core/events/tollgate-detail-types';
import { repositoryArns } from './repository-scope';
import { allowSigningBy } from './signing-key';
import { TollgateFunction } from './tollgate-function';

/**
 * What the signer needs on a repository, through the OCI Distribution API: read the image, push the `.sig`
 * manifest and bundle referrers next to it, and (for `revocation: remove-signatures`) delete our own.
 */
export const SIGNER_REPOSITORY_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchDeleteImage',
] as const;

/** The verdict table calls the signer makes: read the record, record the signatures. */
export const SIGNER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

export interface SignerProps {
  /** Repository globs Tollgate covers; the ECR permissions are scoped to exactly these. */
  readonly repositories: readonly string[];
  readonly table: dynamodb.Table;
  /** The Tollgate bus: the signer is triggered from it and publishes APPROVED verdicts on it. */
  readonly bus: events.EventBus;
  /**
   * The signing key, created by `SigningKey`: the signer's role becomes the only principal its key policy lets
   * sign. It may also read the public half, nothing else.
   */
  readonly key: kms.IKey;
  /** The Tollgate construct's `functionEnvironment`. */
  readonly environment: Readonly<Record<string, string>>;
  /** The Tollgate construct's `bundledFiles`. */
  readonly bundledFiles: Readonly<Record<string, string>>;
  /**
   * Lambda's timeout. Signing an index signs every manifest it lists, a few registry round trips each.
   * @default Duration.minutes(3)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency: at most this many sign invocations at once, each spending its share of the signing
   * budget (config `signing.concurrency`), so together they stay within `signing.putImagePerSecond`.
   * @default 5
   */
  readonly concurrency?: number;
}

/** The Sid of the sign role's Deny; the security test and the threat model name it. */
export const SIGN_ONLY_FROM_THE_FUNCTION_SID = 'SignOnlyFromTheSignFunction';

/**
 * The key policy lets the sign *role* sign, and anyone who may pass that role to a function of their own
 * (iam:PassRole and lambda:CreateFunction, a common over-grant) would get sessions of it. This Deny, in the role's
 * own policy, refuses kms:Sign unless the credentials are this function's: Lambda puts `lambda:SourceFunctionArn`
 * in the credentials it hands a function's execution environment, and the key may be used only in identity
 * policies and SCPs, not in a key policy. A missing key (the role used by anything else) satisfies ArnNotLike, so
 * that is denied too. `<arn>:*` matches only a qualified ARN of this same function (a version or an alias), should
 * Lambda report one.
 *
 * A separate policy, not a statement of the role's default policy: the function depends on the default policy,
 * so a statement there naming the function's ARN would be a circular dependency. This one depends on the
 * function instead; until it is attached (seconds, during the first deployment) the role simply lacks the Deny.
 */
const denySigningOutsideFunction = (scope: Construct, fn: lambda.IFunction): iam.Policy => {
  const policy = new iam.Policy(scope, 'OnlyThisFunctionSigns', {
    statements: [
      new iam.PolicyStatement({
        sid: SIGN_ONLY_FROM_THE_FUNCTION_SID,
        effect: iam.Effect.DENY,
        actions: ['kms:Sign'],
        // Any key: the role has no business signing with another one either.
        resources: ['*'],
        conditions: {
          ArnNotLike: { 'lambda:SourceFunctionArn': [fn.functionArn, `${fn.functionArn}:*`] },
        },
      }),
    ],
  });
  policy.attachToRole(fn.role!);
  return policy;
};

/**
 * `Tollgate Signing Requested` (from on-scan, on the Tollgate bus) → sign: signs an APPROVED digest with the KMS
 * key, records the references and publishes the APPROVED verdict; or, for a revocation with
 * `remove-signatures`, takes Tollgate's own signatures off again.
 */
export class Signer extends Construct {
  public readonly function: TollgateFunction;
  public readonly rule: events.Rule;
  /** Where the rule puts events Lambda would not even accept (throttled past `maxEventAge`). */
  public readonly ruleDeadLetterQueue: sqs.Queue;
  /** The sign role's Deny of kms:Sign from anywhere but this function's code (denySigningOutsideFunction). */
  public readonly signingOnlyFromThisFunction: iam.Policy;

  public constructor(scope: Construct, id: string, props: SignerProps) {
    super(scope, id);
    this.function = new TollgateFunction(this, 'Handler', {
      entry: 'functions/sign/handler.ts',
      description:
        'Tollgate sign: sign approved digests with KMS (cosign .sig, Sigstore bundle, vuln attestation)',
      environment: props.environment,
      bundledFiles: props.bundledFiles,
      timeout: props.timeout ?? Duration.minutes(3),
    });
    const fn = this.function.function;
    (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = props.concurrency ?? 5;

    // The two verdict-store calls the signer makes (get, saveSignatures), not grantReadWriteData's Scan, BatchWrite
    // and DeleteItem: a stolen signer session cannot erase or rewrite verdicts wholesale.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'VerdictRecords',
        actions: [...SIGNER_TABLE_ACTIONS],
        resources: [props.table.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PublishVerdicts',
        actions: ['events:PutEvents'],
        resources: [props.bus.eventBusArn],
      }),
    );
    // kms:Sign is granted in the key policy only, with its algorithm and message type (signing-key.ts); the
    // identity policy reads the public half, which the account statement of the key policy delegates to IAM.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheSigningPublicKey',
        actions: ['kms:GetPublicKey'],
        resources: [props.key.keyArn],
      }),
    );
    allowSigningBy(props.key, fn.role!);
    this.signingOnlyFromThisFunction = denySigningOutsideFunction(this, fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SignatureStorage',
        actions: [...SIGNER_REPOSITORY_ACTIONS],
        resources: repositoryArns(this, props.repositories),
      }),
    );
    // An approval recorded under an older policy is judged again before it is signed, so the signer reads the
    // scan as the judge does (shared/app/judge/rejudge.ts).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadScanFindings',
        actions: ['ecr:DescribeImageScanFindings'],
        resources: repositoryArns(this, props.repositories),
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // DescribeImageScanFindings reads enhanced findings through Inspector's ListFindings, which has no
        // resource-level permissions.
        sid: 'ReadEnhancedFindings',
        actions: ['inspector2:ListFindings'],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // GetAuthorizationToken is registry-wide: IAM has no resource to scope it to.
        sid: 'RegistryToken',
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    );

    this.ruleDeadLetterQueue = new sqs.Queue(this, 'RuleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rule = new events.Rule(this, 'SigningRequested', {
      eventBus: props.bus,
      description: 'Tollgate Signing Requested (approved or revoked images) → Tollgate sign',
      eventPattern: { source: [TOLLGATE_SOURCE], detailType: [SIGNING_REQUESTED] },
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue: this.ruleDeadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
