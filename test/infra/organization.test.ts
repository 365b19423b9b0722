import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigValidationError } from '../../shared/core/domain/errors';
import { validateConfig } from '../../shared/core/config';
import { spokeStacks } from '../../infra/spoke/spoke-stacks';
import { TollgateSpokeStack } from '../../infra/spoke/tollgate-spoke-stack';
import { SPOKE_ACCESS } from '../../infra/spoke/hub-access';
import { HUB_FUNCTIONS, hubRoleArn } from '../../shared/core/config/spoke-roles';
import { KeyReplicaStack } from '../../infra/spoke/key-replica-stack';
import { TollgateStack } from '../../infra/tollgate-stack';
import { baseConfig, REPO_ROOT, synth } from '../helpers/stack';

const HUB = { account: '123456789012', region: 'us-west-2' };
const ORGANIZATION = {
  id: 'o-a1b2c3d4e5',
  hub: HUB,
  spokes: [
    { accounts: ['111111111111', '222222222222'], regions: ['us-west-2'] },
    { organizationalUnits: ['ou-ab12-cdef3456'], regions: ['us-west-2'], repositories: ['team-b/*'] },
  ],
};
const config = () => validateConfig(baseConfig({ organization: ORGANIZATION }));

const spokeTemplate = (
  index = 0,
): { template: Template; json: Record<string, unknown>; stack: TollgateSpokeStack } => {
  const app = new App();
  const [id, props] = spokeStacks(config())[index]!;
  const stack = new TollgateSpokeStack(app, id, props);
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON(), stack };
};

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
};

describe('organization config: validated at synth, with the field path', () => {
  const fails = (organization: unknown): string => {
    try {
      validateConfig(baseConfig({ organization } as never));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      return (error as Error).message;
    }
    throw new Error('expected the config to be refused');
  };

  it('an account id that is not 12 digits', () => {
    expect(fails({ ...ORGANIZATION, spokes: [{ accounts: ['12345'], regions: ['us-west-2'] }] })).toMatch(
      /organization\.spokes\.0\.accounts\.0: expected a 12-digit AWS account id/,
    );
  });

  it('a spoke region the signing key has no replica in', () => {
    const message = fails({
      ...ORGANIZATION,
      spokes: [{ accounts: ['111111111111'], regions: ['us-west-2', 'eu-west-1'] }],
    });
    expect(message).toMatch(
      /organization\.spokes\.0\.regions\.1: the signing key has no replica in eu-west-1/,
    );
  });

  it('an OU id, an organization id and a region of the wrong form; both or neither of accounts and OUs', () => {
    expect(
      fails({ ...ORGANIZATION, spokes: [{ organizationalUnits: ['r-abcd'], regions: ['us-west-2'] }] }),
    ).toMatch(/organization\.spokes\.0\.organizationalUnits\.0: expected an OU id/);
    expect(fails({ ...ORGANIZATION, id: 'org-1' })).toMatch(/organization\.id: expected an organization id/);
    expect(fails({ ...ORGANIZATION, hub: { account: HUB.account, region: 'mars-1' } })).toMatch(
      /organization\.hub\.region: expected an AWS region/,
    );
    expect(fails({ ...ORGANIZATION, spokes: [{ regions: ['us-west-2'] }] })).toMatch(
      /organization\.spokes\.0: give accounts or organizationalUnits/,
    );
  });

  it('a region outside the aws partition, and one account twice in a region', () => {
    expect(
      fails({ ...ORGANIZATION, spokes: [{ accounts: ['111111111111'], regions: ['us-gov-west-1'] }] }),
    ).toMatch(/organization\.spokes\.0\.regions\.0: expected an AWS region of the aws partition/);
    expect(
      fails({
        ...ORGANIZATION,
        spokes: [
          { accounts: ['111111111111'], regions: ['us-west-2'] },
          { accounts: ['222222222222', '111111111111'], regions: ['us-west-2'], repositories: ['x/*'] },
        ],
      }),
    ).toMatch(
      /organization\.spokes\.1\.accounts\.1: 111111111111 is already a spoke in the same region \(organization\.spokes\.0\)/,
    );
  });

  it("the hub's own account is not a spoke", () => {
    expect(fails({ ...ORGANIZATION, spokes: [{ accounts: [HUB.account], regions: ['us-west-2'] }] })).toMatch(
      /organization\.spokes\.0\.accounts\.0: 123456789012 is the hub's own account/,
    );
  });

  it('a hub deployed elsewhere than organization.hub says fails synth', () => {
    expect(() =>
      synth(baseConfig({ organization: { ...ORGANIZATION, hub: { ...HUB, account: '999999999999' } } })),
    ).toThrow(/organization\.hub\.account: the spokes would trust a hub in 999999999999/);
  });
});

describe('the spoke template is a StackSet template as it is', () => {
  it('no bootstrap, no asset, no CDK metadata, no cross-stack reference, no literal spoke account or region', () => {
    const { json } = spokeTemplate();
    // No BootstrapVersion parameter or rule: the member accounts of a service-managed StackSet have no bootstrap.
    expect(json.Parameters).toBeUndefined();
    expect(json.Rules).toBeUndefined();
    const types = Object.values(json.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(new Set(types)).toEqual(
      new Set([
        'AWS::Events::Rule',
        'AWS::IAM::Role',
        'AWS::IAM::Policy',
        'AWS::SQS::Queue',
        'AWS::SQS::QueuePolicy',
      ]),
    );
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/Fn::ImportValue|cdk-hnb659fds|AssetParameters|BootstrapVersion|CDKMetadata/);
    // Every account id in it is the hub's; every region is the hub's or the pseudo parameter.
    expect(new Set(text.match(/\d{12}/g))).toEqual(new Set([HUB.account]));
    expect(text).not.toMatch(/111111111111|222222222222/);
    expect(text).toContain('"Ref":"AWS::AccountId"');
    expect(text).toContain('"Ref":"AWS::Region"');
    // Well inside the 51,200 bytes CloudFormation takes as a template body.
    expect(text.length).toBeLessThan(51_200);
  });

  it('passes cdk-nag with every exception given a reason', () => {
    const { stack } = spokeTemplate();
    for (const role of Object.values(stack.spoke.roles)) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'GetAuthorizationToken, GetRegistryScanningConfiguration and inspector2:ListFindings have no resource-level permissions',
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/payments/*]',
        reason: 'Scoped to the covered repository pattern payments/*',
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]',
        reason:
          'The sweep lists the repositories (DescribeRepositories) to find the covered ones; nothing else is on repository/*',
      });
    }
    Validations.of(stack.spoke.forwardDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the forwarding rules’ dead-letter queue',
    });
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(stack).findError('*', Match.anyValue());
    expect(errors).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the spoke forwards only its covered repositories’ ECR and Inspector events, of its own account', () => {
  it('three rules on the default bus, each to the hub bus, with a dead-letter queue', () => {
    const { template } = spokeTemplate();
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(3);
    for (const rule of Object.values(rules)) {
      const properties = rule.Properties as {
        EventBusName?: unknown;
        EventPattern: Record<string, unknown>;
        Targets: Record<string, unknown>[];
      };
      expect(properties.EventBusName).toBeUndefined();
      expect(properties.EventPattern.account).toEqual([{ Ref: 'AWS::AccountId' }]);
      expect(['aws.ecr', 'aws.inspector2']).toContain((properties.EventPattern.source as string[])[0]);
      expect(properties.Targets).toEqual([
        expect.objectContaining({
          Arn: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, `:events:${HUB.region}:${HUB.account}:event-bus/tollgate`],
            ],
          },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [expect.stringMatching(/^SpokeForwardDeadLetters/), 'Arn'] },
          },
        }),
      ]);
    }
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['ECR Image Action', 'ECR Image Scan'],
        detail: { 'repository-name': [{ wildcard: 'payments/*' }, 'web/frontend'] },
      }),
    });
    // A spoke entry with its own repositories forwards those.
    spokeTemplate(1).template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { 'repository-name': [{ wildcard: 'team-b/*' }] } }),
    });
  });

  it('Inspector findings only for container images of covered repositories', () => {
    spokeTemplate().template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['Inspector2 Finding'],
        detail: {
          awsAccountId: [{ Ref: 'AWS::AccountId' }],
          resources: {
            type: ['AWS_ECR_CONTAINER_IMAGE'],
            details: {
              awsEcrContainerImage: { repositoryName: [{ wildcard: 'payments/*' }, 'web/frontend'] },
            },
          },
        },
      }),
    });
  });
});

describe("the spoke's roles: one per hub function, trusting that function's role alone, in the organization", () => {
  const { template } = spokeTemplate();
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { RoleName: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
  });

  it('one role per hub function, named for its region', () => {
    expect(Object.keys(roles)).toHaveLength(HUB_FUNCTIONS.length);
    for (const fn of HUB_FUNCTIONS) {
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: { 'Fn::Join': ['', [`tollgate-spoke-${fn}-`, { Ref: 'AWS::Region' }]] },
      });
    }
  });

  it.each(HUB_FUNCTIONS)('%s: trusted by the hub role by ARN, only with aws:PrincipalOrgID', (fn) => {
    const [role] = Object.values(
      template.findResources('AWS::IAM::Role', {
        Properties: { RoleName: { 'Fn::Join': ['', [`tollgate-spoke-${fn}-`, { Ref: 'AWS::Region' }]] } },
      }),
    );
    const trust = (role!.Properties as { AssumeRolePolicyDocument: { Statement: Statement[] } })
      .AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: hubRoleArn(HUB, fn) },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION.id } },
      },
    ]);
    // Scope: the covered repositories of this account and region, plus the calls IAM cannot scope.
    const statements = (role!.Properties as { Policies: { PolicyDocument: { Statement: Statement[] } }[] })
      .Policies[0]!.PolicyDocument.Statement;
    const covered = statements.find((statement) => statement.Sid === 'CoveredRepositories')!;
    expect(covered.Action).toEqual(
      SPOKE_ACCESS[fn].repositoryActions.length === 1
        ? SPOKE_ACCESS[fn].repositoryActions[0]
        : [...SPOKE_ACCESS[fn].repositoryActions],
    );
    expect(JSON.stringify(covered.Resource)).toContain(':repository/payments/*');
    expect(JSON.stringify(covered.Resource)).toContain('{"Ref":"AWS::AccountId"}');
    const anywhere = statements
      .filter((statement) => statement.Resource === '*')
      .flatMap((s) => [s.Action].flat());
    expect(
      anywhere.every((action) =>
        /^(ecr:GetAuthorizationToken|ecr:GetRegistryScanningConfiguration|inspector2:ListFindings)$/.test(
          action,
        ),
      ),
    ).toBe(true);
  });

  it('only the signer may write: PutImage and the upload calls are in its role and no other', () => {
    const writers = HUB_FUNCTIONS.filter((fn) => SPOKE_ACCESS[fn].repositoryActions.includes('ecr:PutImage'));
    expect(writers).toEqual(['sign']);
    const untaggers = HUB_FUNCTIONS.filter((fn) =>
      SPOKE_ACCESS[fn].repositoryActions.includes('ecr:PutImageTagMutability'),
    );
    expect(untaggers).toEqual(['on-push', 'reconcile']);
  });
});

describe('the hub with an organization', () => {
  const { template, stack } = synth(baseConfig({ organization: ORGANIZATION }));

  it('its bus takes PutEvents only from the spoke accounts and OUs, for the ECR and Inspector events Tollgate reads', () => {
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy'));
    const statements = policies.map((policy) => (policy.Properties as { Statement: Statement }).Statement);
    const allow = statements.filter((statement) => statement.Effect === 'Allow');
    const bus = { 'Fn::GetAtt': [stack.getLogicalId(stack.tollgate.bus.node.defaultChild as never), 'Arn'] };
    const entries = {
      'ForAllValues:StringEquals': {
        'events:source': ['aws.ecr', 'aws.inspector2'],
        'events:detail-type': ['ECR Image Action', 'ECR Image Scan', 'Inspector2 Scan', 'Inspector2 Finding'],
      },
    };
    expect(allow).toEqual([
      expect.objectContaining({
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: bus,
        Condition: {
          StringEquals: {
            'aws:PrincipalOrgID': ORGANIZATION.id,
            'aws:PrincipalAccount': ['111111111111', '222222222222'],
          },
          ...entries,
        },
      }),
      expect.objectContaining({
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: bus,
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION.id },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORGANIZATION.id}/*/ou-ab12-cdef3456/*`] },
          ...entries,
        },
      }),
    ]);
    // `tollgate` stays Tollgate's own: the reservation's Deny is still there.
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toHaveLength(1);
  });

  it('the functions that act in a spoke have the role names the spokes trust', () => {
    for (const fn of HUB_FUNCTIONS) {
      template.hasResourceProperties('AWS::IAM::Role', { RoleName: `tollgate-hub-${fn}-${HUB.region}` });
    }
  });

  it("routes the spokes' forwarded events on the Tollgate bus to on-push and on-scan, from any account but its own", () => {
    const bus = { Ref: stack.getLogicalId(stack.tollgate.bus.node.defaultChild as never) };
    const target = (fn: { node: { defaultChild?: unknown } }) => ({
      'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as never), 'Arn'],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus,
      EventPattern: {
        account: [{ 'anything-but': HUB.account }],
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        detail: { 'action-type': ['PUSH', 'DELETE'], result: ['SUCCESS'] },
      },
      Targets: [Match.objectLike({ Arn: target(stack.tollgate.onPush.function.function) })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus,
      EventPattern: {
        account: [{ 'anything-but': HUB.account }],
        source: ['aws.ecr', 'aws.inspector2'],
        'detail-type': ['ECR Image Scan', 'Inspector2 Scan', 'Inspector2 Finding'],
      },
      Targets: [Match.objectLike({ Arn: target(stack.tollgate.onScan.function.function) })],
    });
    // The hub's own ECR rules stay on the default bus, for its own account only.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: Match.objectLike({ account: [HUB.account], 'detail-type': ['ECR Image Action'] }),
    });
  });

  it('each function may assume its own spoke role, in the organization, and no other', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
    const assume = policies.filter((statement) => statement.Action === 'sts:AssumeRole');
    expect(assume).toHaveLength(HUB_FUNCTIONS.length);
    for (const fn of HUB_FUNCTIONS) {
      // With an OU entry, any account's role of that name; the org condition keeps it inside the organization.
      expect(assume).toContainEqual(
        expect.objectContaining({
          Resource: `arn:aws:iam::*:role/tollgate-spoke-${fn}-${HUB.region}`,
          Condition: { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION.id } },
        }),
      );
    }
    const listed = synth(
      baseConfig({ organization: { ...ORGANIZATION, spokes: [ORGANIZATION.spokes[0]!] } }),
    ).template;
    const listedAssume = Object.values(listed.findResources('AWS::IAM::Policy'))
      .flatMap(
        (policy) =>
          (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
      )
      .filter((statement) => statement.Action === 'sts:AssumeRole');
    expect(listedAssume).toContainEqual(
      expect.objectContaining({
        Resource: [
          `arn:aws:iam::111111111111:role/tollgate-spoke-sign-${HUB.region}`,
          `arn:aws:iam::222222222222:role/tollgate-spoke-sign-${HUB.region}`,
        ],
      }),
    );
  });

  it('warns at synth about what the organization form still lacks', () => {
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('the sweep does not reconcile spoke repositories yet'),
    );
  });

  it('without an organization: no such statement, no fixed role names (the single-account stack as before)', () => {
    const single = synth().template;
    const statements = Object.values(single.findResources('AWS::Events::EventBusPolicy')).map(
      (policy) => (policy.Properties as { Statement: Statement }).Statement,
    );
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([]);
    expect(JSON.stringify(single.findResources('AWS::IAM::Role'))).not.toMatch(/tollgate-hub-/);
  });
});

describe('the multi-Region key: a migration in two deployments, never a replacement', () => {
  const multiRegion = {
    ...ORGANIZATION,
    spokes: [{ accounts: ['111111111111'], regions: ['us-west-2', 'eu-west-1'] }],
    signingKey: { multiRegion: true, replicaRegions: ['eu-west-1'] },
  };
  const switched = {
    ...multiRegion,
    signingKey: { ...multiRegion.signingKey, signsWith: 'multi-region' as const },
  };
  const keys = (template: Template) =>
    template.findResources('AWS::KMS::Key', { Properties: { KeyUsage: 'SIGN_VERIFY' } });
  const signers = (template: Template, id: string) =>
    (keys(template)[id]!.Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy.Statement.filter(
      (statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes('kms:Sign'),
    ).map((statement) => statement.Sid);
  const before = synth(baseConfig({ organization: ORGANIZATION }));
  const [oldId] = Object.keys(keys(before.template));

  it.each([
    ['first deployment: created, standing by', multiRegion, 'single'],
    ['second deployment: signing', switched, 'multi'],
  ] as const)('%s', (_phase, organization, signer) => {
    const after = synth(baseConfig({ organization }));
    const afterKeys = keys(after.template);
    expect(Object.keys(afterKeys)).toHaveLength(2);
    // The single-Region key keeps its logical id and properties, and never gets MultiRegion: CloudFormation updates
    // it in place, never replaces it.
    const kept = afterKeys[oldId!]!.Properties as Record<string, unknown>;
    const original = keys(before.template)[oldId!]!.Properties as Record<string, unknown>;
    expect(kept.MultiRegion).toBeUndefined();
    expect({ ...kept, KeyPolicy: undefined }).toEqual({ ...original, KeyPolicy: undefined });
    const [newId] = Object.keys(afterKeys).filter((id) => id !== oldId);
    expect(afterKeys[newId!]!.Properties).toMatchObject({
      MultiRegion: true,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
    });
    expect(afterKeys[newId!]!.DeletionPolicy).toBe('Retain');

    // Exactly one key lets the sign role sign; the other lets nobody (its account statement has no Sign).
    const [signing, standby] = signer === 'multi' ? [newId!, oldId!] : [oldId!, newId!];
    expect(signers(after.template, signing)).toEqual(['OnlyTheSignerSignsDigests']);
    expect(signers(after.template, standby)).toEqual([]);
    // The alias follows the signer; the standby's public key is published for gates to trust beside it.
    after.template.hasResourceProperties('AWS::KMS::Alias', {
      TargetKeyId: { 'Fn::GetAtt': [signing, 'Arn'] },
    });
    after.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/tollgate/standby-signing-public-key',
    });
    after.template.hasOutput('*', { Value: { 'Fn::GetAtt': [standby, 'Arn'] } });
    after.template.hasResourceProperties('Custom::TollgatePublicKey', {
      KeyId: { 'Fn::GetAtt': [standby, 'Arn'] },
    });
  });

  it('a replica in each replica region, of the primary, retained, granting signing to nobody', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const hub = new TollgateStack(app, 'Tollgate', {
      config: baseConfig({ organization: multiRegion }),
      baseDir: REPO_ROOT,
      env: HUB,
      crossRegionReferences: true,
    });
    const replicaStack = new KeyReplicaStack(app, 'TollgateKeyReplica-eu-west-1', {
      env: { account: HUB.account, region: 'eu-west-1' },
      primaryKey: hub.tollgate.signingKey.multiRegionKey!,
    });
    const replica = Template.fromStack(replicaStack);
    const replicas = replica.findResources('AWS::KMS::ReplicaKey');
    expect(Object.values(replicas)).toHaveLength(1);
    const [resource] = Object.values(replicas);
    expect(resource!.DeletionPolicy).toBe('Retain');
    // The primary's ARN, carried across regions by CDK's cross-region reference.
    expect(JSON.stringify((resource!.Properties as { PrimaryKeyArn: unknown }).PrimaryKeyArn)).toMatch(
      /SigningMultiRegionKey.*Arn/,
    );
    const statements = (resource!.Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy
      .Statement;
    // No Allow of signing, and a Deny of it to everyone: a replica's signatures would be the organization's.
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows.flatMap((statement) => [statement.Action].flat())).not.toContain('kms:Sign');
    expect(statements.find((statement) => statement.Sid === 'NobodySigns')).toMatchObject({
      Effect: 'Deny',
      Action: 'kms:Sign',
      Principal: { AWS: '*' },
    });
    expect(statements.find((statement) => statement.Sid === 'NobodySigns')?.Condition).toBeUndefined();
  });

  it('replication of the primary: only into the configured regions, only by the deployment', () => {
    const { template } = synth(baseConfig({ organization: multiRegion }));
    const [primaryId] = Object.keys(
      template.findResources('AWS::KMS::Key', { Properties: { MultiRegion: true } }),
    );
    const statements = (keys(template)[primaryId!]!.Properties as { KeyPolicy: { Statement: Statement[] } })
      .KeyPolicy.Statement;
    const replication = statements.filter((statement) =>
      [statement.Action].flat().includes('kms:ReplicateKey'),
    );
    expect(replication.map((statement) => [statement.Sid, statement.Effect])).toEqual([
      ['TheDeploymentReplicatesIntoTheConfiguredRegions', 'Allow'],
      ['NoReplicaElsewhere', 'Deny'],
      ['OnlyTheDeploymentReplicates', 'Deny'],
    ]);
    expect(replication[0]!.Condition).toEqual({ StringEquals: { 'kms:ReplicaRegion': ['eu-west-1'] } });
    expect(replication[1]!.Condition).toEqual({ StringNotEquals: { 'kms:ReplicaRegion': ['eu-west-1'] } });
    // The deployment: CloudFormation with the deployer's credentials, or the bootstrap's execution roles of the hub's
    // region and of each replica region (the replica stack deploys there).
    const exempt = JSON.stringify(replication[2]!.Condition);
    expect(exempt).toContain('"aws:CalledViaLast":"cloudformation.amazonaws.com"');
    expect(exempt).toContain('cfn-exec-role-123456789012-us-west-2');
    expect(exempt).toContain('cfn-exec-role-123456789012-eu-west-1');
    // The single-Region key cannot be replicated at all (KMS refuses it), and has no such statements.
    const single = (keys(template)[oldId!]!.Properties as { KeyPolicy: { Statement: Statement[] } }).KeyPolicy
      .Statement;
    expect(single.filter((statement) => [statement.Action].flat().includes('kms:ReplicateKey'))).toEqual([]);
  });

  it('the standby key refuses signing outright, whichever it is', () => {
    for (const organization of [multiRegion, switched]) {
      const { template } = synth(baseConfig({ organization }));
      const standbyId = Object.keys(keys(template)).find((id) =>
        (
          keys(template)[id]!.Properties as { KeyPolicy: { Statement: Statement[] } }
        ).KeyPolicy.Statement.every((statement) => statement.Sid !== 'OnlyTheSignerSignsDigests'),
      )!;
      const statements = (keys(template)[standbyId]!.Properties as { KeyPolicy: { Statement: Statement[] } })
        .KeyPolicy.Statement;
      expect(statements.find((statement) => statement.Sid === 'NobodySigns')).toMatchObject({
        Effect: 'Deny',
        Action: 'kms:Sign',
      });
    }
  });

  it('replicas and signing with the multi-Region key need it; no replica in the hub region', () => {
    expect(() =>
      validateConfig(
        baseConfig({ organization: { ...ORGANIZATION, signingKey: { signsWith: 'multi-region' } } } as never),
      ),
    ).toThrow(/organization\.signingKey\.signsWith: there is no multi-Region key to sign with/);
    expect(() =>
      validateConfig(
        baseConfig({
          organization: { ...ORGANIZATION, signingKey: { replicaRegions: ['eu-west-1'] } },
        }),
      ),
    ).toThrow(/organization\.signingKey\.replicaRegions: only a multi-Region key has replicas/);
    expect(() =>
      validateConfig(
        baseConfig({
          organization: { ...ORGANIZATION, signingKey: { multiRegion: true, replicaRegions: ['us-west-2'] } },
        }),
      ),
    ).toThrow(/organization\.signingKey\.replicaRegions\.0: us-west-2 is the hub's region/);
    // With a replica there, a spoke in that region is accepted.
    expect(
      validateConfig(baseConfig({ organization: multiRegion })).organization?.spokes[0]?.regions,
    ).toEqual(['us-west-2', 'eu-west-1']);
  });
});
