import type { CfnElement } from 'aws-cdk-lib';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPairSync } from 'node:crypto';
import type { IConstruct } from 'constructs';
import { KEY_ADMINISTRATION_ACTIONS } from '../../infra/constructs/signing-key';
import { ENTRY_METADATA } from '../../infra/constructs/tollgate-function';
import { KmsSigner } from '../../shared/aws/kms';
import { baseConfig, synth } from '../helpers/stack';

/**
 * The security review's claims about the synthesized template (docs/threat-model.md): who may sign with the key,
 * and what each function's role may do, action by action and resource by resource. A new permission anywhere
 * fails here until the table below, and the threat model, say why it is needed.
 */

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

const { stack, template } = synth();
const { tollgate } = stack;
const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
const logicalId = (construct: IConstruct): string =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] };

const ids = {
  key: logicalId(tollgate.signingKey.key),
  table: logicalId(tollgate.verdictTable.table),
  bus: logicalId(tollgate.bus),
  signerRole: logicalId(tollgate.signer.function.function.role!),
  topic: logicalId(tollgate.alerts.topic),
  topicKey: logicalId(tollgate.alerts.key),
  idempotency: logicalId(tollgate.onPush.idempotencyTable),
  schedulerRole: logicalId(tollgate.onPush.schedulerRole),
  onTimeout: logicalId(tollgate.onScan.onTimeout.function),
};

const keyPolicy = (): Statement[] =>
  (resources[ids.key]!.Properties.KeyPolicy as { Statement: Statement[] }).Statement;

/** Every statement of every identity policy in the template, with the role it is attached to. */
const identityStatements = (): { role: string; statement: Statement }[] =>
  Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .flatMap((policy) => {
      const roles = (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref);
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      return roles.flatMap((role) => statements.map((statement) => ({ role, statement })));
    });

describe('the signing key policy', () => {
  it('has three statements: account administration, the signer’s conditional Allow, a Deny for everyone else', () => {
    expect(keyPolicy().map((statement) => [statement.Sid, statement.Effect])).toEqual([
      ['AccountAdministersTheKeyButCannotSign', 'Allow'],
      ['OnlyTheSignerSignsDigests', 'Allow'],
      ['NobodyElseSigns', 'Deny'],
    ]);
  });

  it('delegates administration to the account, but neither signing nor grants, and no wildcard action', () => {
    const [account] = keyPolicy();
    expect(account).toMatchObject({ Principal: { AWS: ROOT }, Resource: '*' });
    expect(account!.Condition).toBeUndefined();
    const actions = actionsOf(account!);
    expect(actions).toEqual([...KEY_ADMINISTRATION_ACTIONS]);
    expect(actions.filter((action) => /\*|Sign$|CreateGrant|^kms:Sign/.test(action))).toEqual([]);
    // Still manageable: a key nobody may PutKeyPolicy on needs AWS Support to recover.
    expect(actions).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']));
  });

  it('lets only the sign function’s role sign, only a SHA-256 digest with ECDSA', () => {
    const signing = keyPolicy().filter(
      (statement) =>
        statement.Effect === 'Allow' && actionsOf(statement).some((action) => action.includes('Sign')),
    );
    expect(signing).toEqual([
      {
        Sid: 'OnlyTheSignerSignsDigests',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::GetAtt': [ids.signerRole, 'Arn'] } },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' },
        },
      },
    ]);
  });

  it('denies kms:Sign to every principal but the sign role, whatever else is granted later', () => {
    expect(keyPolicy()[2]).toEqual({
      Sid: 'NobodyElseSigns',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [ids.signerRole, 'Arn'] } } },
    });
  });

  it('is the only place kms:Sign is granted: no identity policy in the stack mentions it', () => {
    const signingGrants = identityStatements().filter(({ statement }) =>
      actionsOf(statement).some((action) => /^kms:(Sign|\*)/.test(action) || action === '*'),
    );
    expect(signingGrants).toEqual([]);
  });

  it('matches what the sign function sends: the KmsSigner’s Sign request meets the Allow’s conditions', async () => {
    const kms = mockClient(KMSClient);
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: 'arn:aws:kms:us-west-2:123456789012:key/k',
      KeySpec: 'ECC_NIST_P256',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: spki,
    });
    kms.on(SignCommand).resolves({ Signature: Buffer.from('signature') });
    // Bigger than KMS's 4096-byte RAW limit, as a DSSE payload can be.
    await new KmsSigner(kms as unknown as KMSClient, 'alias/tollgate-signing').sign(Buffer.alloc(10_000, 1));

    const [call] = kms.commandCalls(SignCommand);
    const request = call!.args[0].input as unknown as Record<string, unknown>;
    const conditions = keyPolicy()[1]!.Condition!.StringEquals!;
    const requestField = (conditionKey: string): unknown => request[conditionKey.replace(/^kms:/, '')];
    for (const [key, value] of Object.entries(conditions))
      expect([key, requestField(key)]).toEqual([key, value]);
    expect((request.Message as Uint8Array).length).toBe(32);
    kms.restore();
  });
});

/** What a statement's resource is, by the construct it names. */
const resourceKind = (resource: unknown, ownQueue: string | undefined): string => {
  if (resource === '*') return '*';
  const text = JSON.stringify(resource);
  const named: [string, string][] = [
    [ids.key, 'signing key'],
    [ids.topicKey, 'alert topic key'],
    [ids.topic, 'alert topic'],
    [ids.table, 'verdict table'],
    [ids.idempotency, 'idempotency table'],
    [ids.bus, 'tollgate bus'],
    [ids.schedulerRole, 'scheduler role'],
    [ids.onTimeout, 'on-timeout function'],
  ];
  for (const [id, kind] of named) if (text.includes(`"${id}"`)) return kind;
  if (ownQueue !== undefined && text.includes(`"${ownQueue}"`)) return 'own dead-letter queue';
  if (text.includes(':repository/')) return 'covered repositories';
  if (text.includes(':schedule/tollgate-scan-timeouts/*')) return 'scan-timeout schedules';
  return `unexpected ${text}`;
};

/** `action → resource kinds` for one role, over all its identity policies. */
const permissionsOf = (role: string, ownQueue?: string): Record<string, string[]> => {
  const table: Record<string, Set<string>> = {};
  for (const { statement } of identityStatements().filter((entry) => entry.role === role)) {
    expect(statement.Effect).toBe('Allow');
    const targets = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of actionsOf(statement)) {
      for (const target of targets) (table[action] ??= new Set()).add(resourceKind(target, ownQueue));
    }
  }
  return Object.fromEntries(
    Object.entries(table)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([action, kinds]) => [action, [...kinds].sort()]),
  );
};

const COMMON = {
  'sqs:GetQueueAttributes': ['own dead-letter queue'],
  'sqs:GetQueueUrl': ['own dead-letter queue'],
  'sqs:SendMessage': ['own dead-letter queue'],
  'xray:PutTelemetryRecords': ['*'],
  'xray:PutTraceSegments': ['*'],
};
const REPOS = ['covered repositories'];

/** The IAM table of docs/threat-model.md, by the handler each function runs. */
const EXPECTED: Record<string, Record<string, string[]>> = {
  'functions/on-push/handler.ts': {
    ...COMMON,
    'dynamodb:DeleteItem': ['idempotency table'],
    'dynamodb:GetItem': ['idempotency table', 'verdict table'],
    'dynamodb:PutItem': ['idempotency table', 'verdict table'],
    'dynamodb:UpdateItem': ['idempotency table', 'verdict table'],
    'ecr:BatchDeleteImage': REPOS,
    'ecr:BatchGetImage': REPOS,
    'ecr:DescribeImageScanFindings': REPOS,
    'ecr:DescribeImages': REPOS,
    'ecr:DescribeRepositories': REPOS,
    'ecr:GetAuthorizationToken': ['*'],
    'ecr:GetRegistryScanningConfiguration': ['*'],
    'ecr:PutImageTagMutability': REPOS,
    'ecr:StartImageScan': REPOS,
    'events:PutEvents': ['tollgate bus'],
    'iam:PassRole': ['scheduler role'],
    'inspector2:ListFindings': ['*'],
    'scheduler:CreateSchedule': ['scan-timeout schedules'],
    'scheduler:DeleteSchedule': ['scan-timeout schedules'],
    'scheduler:GetSchedule': ['scan-timeout schedules'],
  },
  'functions/on-scan/handler.ts': {
    ...COMMON,
    'dynamodb:GetItem': ['verdict table'],
    'dynamodb:UpdateItem': ['verdict table'],
    'ecr:DescribeImageScanFindings': REPOS,
    'events:PutEvents': ['tollgate bus'],
    'inspector2:ListFindings': ['*'],
  },
  'functions/on-timeout/handler.ts': {
    ...COMMON,
    'dynamodb:GetItem': ['verdict table'],
    'dynamodb:UpdateItem': ['verdict table'],
    'ecr:DescribeImageScanFindings': REPOS,
    'events:PutEvents': ['tollgate bus'],
    'inspector2:ListFindings': ['*'],
  },
  'functions/sign/handler.ts': {
    ...COMMON,
    'dynamodb:GetItem': ['verdict table'],
    'dynamodb:UpdateItem': ['verdict table'],
    'ecr:BatchCheckLayerAvailability': REPOS,
    'ecr:BatchDeleteImage': REPOS,
    'ecr:BatchGetImage': REPOS,
    'ecr:CompleteLayerUpload': REPOS,
    'ecr:GetAuthorizationToken': ['*'],
    'ecr:GetDownloadUrlForLayer': REPOS,
    'ecr:InitiateLayerUpload': REPOS,
    'ecr:PutImage': REPOS,
    'ecr:UploadLayerPart': REPOS,
    'events:PutEvents': ['tollgate bus'],
    'kms:GetPublicKey': ['signing key'],
  },
  'functions/notify/handler.ts': {
    ...COMMON,
    'events:PutEvents': ['tollgate bus'],
    'kms:Decrypt': ['alert topic key'],
    'kms:GenerateDataKey*': ['alert topic key'],
    'sns:Publish': ['alert topic'],
  },
  'functions/public-key/handler.ts': {
    ...COMMON,
    'kms:GetPublicKey': ['signing key'],
  },
};

const functions = Object.entries(resources).filter(
  ([, resource]) => resource.Type === 'AWS::Lambda::Function',
);
const roleOf = (fn: Resource): string =>
  (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const ownQueueOf = (fn: Resource): string | undefined => {
  const [id] = Object.entries(resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::Lambda::EventInvokeConfig' &&
      JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: functionId(fn) }),
  ) ?? [undefined];
  if (id === undefined) return undefined;
  const destination = JSON.stringify(resources[id]!.Properties.DestinationConfig);
  return /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(destination)?.[1];
};
const functionId = (fn: Resource): string => functions.find(([, other]) => other === fn)![0];

describe('each function’s role: least privilege, action by action', () => {
  it('every function in the stack is in the table, and every role belongs to one function', () => {
    const entries = functions.map(([, fn]) => fn.Metadata?.[ENTRY_METADATA]);
    expect([...entries].sort()).toEqual(Object.keys(EXPECTED).sort());
    const roles = functions.map(([, fn]) => roleOf(fn));
    expect(new Set(roles).size).toBe(roles.length);
  });

  it.each(Object.keys(EXPECTED))('%s may do exactly what the IAM table says, on those resources', (entry) => {
    const [, fn] = functions.find(([, candidate]) => candidate.Metadata?.[ENTRY_METADATA] === entry)!;
    expect(permissionsOf(roleOf(fn), ownQueueOf(fn))).toEqual(EXPECTED[entry]);
  });

  it('every function role is assumable by Lambda only and carries only the basic execution policy', () => {
    for (const [, fn] of functions) {
      const role = resources[roleOf(fn)]!.Properties;
      expect(role.AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
        ],
      });
      expect(JSON.stringify(role.ManagedPolicyArns)).toMatch(
        /^\[\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"\]\]\}\]$/,
      );
      expect(role.Policies).toBeUndefined();
    }
  });

  it('the scheduler role may invoke on-timeout and nothing else', () => {
    expect(permissionsOf(ids.schedulerRole)).toEqual({ 'lambda:InvokeFunction': ['on-timeout function'] });
    expect(resources[ids.schedulerRole]!.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }],
    });
  });

  it('no other role exists, and functions are invoked by EventBridge rules of this stack only', () => {
    const roles = Object.keys(resources).filter((id) => resources[id]!.Type === 'AWS::IAM::Role');
    expect(roles.sort()).toEqual([...functions.map(([, fn]) => roleOf(fn)), ids.schedulerRole].sort());
    const permissions = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Permission',
    );
    expect(permissions.length).toBeGreaterThan(0);
    for (const permission of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
      });
      const [ruleId] = (permission.Properties.SourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(resources[ruleId]?.Type).toBe('AWS::Events::Rule');
    }
  });
});

describe('with webhooks configured', () => {
  it('each API destination adds one role, which may invoke that destination and nothing else', () => {
    const webhooks = synth(
      baseConfig({
        alerts: { webhooks: [{ name: 'slack', url: 'https://hooks.slack.com/services/x', format: 'slack' }] },
      }),
    ).template.toJSON() as { Resources: Record<string, Resource> };
    const all = webhooks.Resources;
    const eventsRoles = Object.entries(all).filter(
      ([, resource]) =>
        resource.Type === 'AWS::IAM::Role' &&
        JSON.stringify(resource.Properties.AssumeRolePolicyDocument).includes('events.amazonaws.com'),
    );
    expect(eventsRoles).toHaveLength(1);
    const [roleId] = eventsRoles[0]!;
    const statements = Object.values(all)
      .filter(
        (resource) =>
          resource.Type === 'AWS::IAM::Policy' &&
          (resource.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
      )
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const destination = Object.keys(all).find((id) => all[id]!.Type === 'AWS::Events::ApiDestination');
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:InvokeApiDestination',
        Resource: { 'Fn::GetAtt': [destination, 'Arn'] },
      },
    ]);
  });
});
