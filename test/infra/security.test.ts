import type { CfnElement } from 'aws-cdk-lib';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPairSync } from 'node:crypto';
import type { IConstruct } from 'constructs';
import { RESERVED_SOURCE_SID } from '../../infra/constructs/event-bus-policy';
import { SIGN_ONLY_FROM_THE_FUNCTION_SID } from '../../infra/constructs/signer';
import { ALIAS_ACTIONS, KEY_ADMINISTRATION_ACTIONS } from '../../infra/constructs/signing-key';
import { ENTRY_METADATA } from '../../infra/constructs/tollgate-function';
import { KmsSigner } from '../../shared/adapters/aws/kms';
import { ACCOUNT, evaluate, REGION, resolverFor, type Request } from '../helpers/iam-evaluation';
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
  sweepScheduleRole: logicalId(tollgate.reconciler.node.findChild('ScheduleRole')),
  sweep: logicalId(tollgate.reconciler.function.function),
  onTimeout: logicalId(tollgate.onScan.onTimeout.function),
};

const keyPolicy = (): Statement[] =>
  (resources[ids.key]!.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
const keyStatement = (sid: string): Statement => keyPolicy().find((statement) => statement.Sid === sid)!;

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
  it('has four statements: account administration, the alias Deny, the signer’s conditional Allow, a Deny for everyone else', () => {
    expect(keyPolicy().map((statement) => [statement.Sid, statement.Effect])).toEqual([
      ['AccountAdministersTheKeyButCannotSign', 'Allow'],
      ['OnlyTheDeploymentMovesAliases', 'Deny'],
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
    expect(keyStatement('NobodyElseSigns')).toEqual({
      Sid: 'NobodyElseSigns',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [ids.signerRole, 'Arn'] } } },
    });
  });

  it('is the only place kms:Sign is granted: no identity policy in the stack allows it', () => {
    const signingGrants = identityStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        actionsOf(statement).some((action) => /^kms:(Sign|\*)/.test(action) || action === '*'),
    );
    expect(signingGrants).toEqual([]);
  });

  it('lets only the deployment (CloudFormation, or its service role) create, move or delete an alias of the key', () => {
    // Action order depends on CDK's policy-minimizing feature flag (cdk.json sets it for `cdk synth`).
    const statement = keyStatement('OnlyTheDeploymentMovesAliases');
    expect({ ...statement, Action: actionsOf(statement).sort() }).toEqual({
      Sid: 'OnlyTheDeploymentMovesAliases',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...ALIAS_ACTIONS].sort(),
      Resource: '*',
      Condition: {
        StringNotEquals: { 'aws:CalledViaLast': 'cloudformation.amazonaws.com' },
        ArnNotEquals: {
          'aws:PrincipalArn': [
            {
              'Fn::Sub':
                'arn:${AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-west-2',
            },
          ],
        },
      },
    });
    // The alias actions stay delegated: CloudFormation creates the alias through the account statement.
    expect(actionsOf(keyStatement('AccountAdministersTheKeyButCannotSign'))).toEqual(
      expect.arrayContaining([...ALIAS_ACTIONS]),
    );
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
    const conditions = keyStatement('OnlyTheSignerSignsDigests').Condition!.StringEquals!;
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
    [ids.sweep, 'reconcile function'],
  ];
  for (const [id, kind] of named) if (text.includes(`"${id}"`)) return kind;
  if (ownQueue !== undefined && text.includes(`"${ownQueue}"`)) return 'own dead-letter queue';
  if (text.includes(':repository/*"')) return 'every repository';
  if (text.includes(':repository/')) return 'covered repositories';
  if (text.includes(':schedule/tollgate-scan-timeouts/*')) return 'scan-timeout schedules';
  return `unexpected ${text}`;
};

/** `action → resource kinds` for one role, over all its identity policies. */
const permissionsOf = (role: string, ownQueue?: string): Record<string, string[]> => {
  const table: Record<string, Set<string>> = {};
  for (const { statement } of identityStatements().filter((entry) => entry.role === role)) {
    // The one Deny (the sign role's) is asserted on its own below.
    if (statement.Sid === SIGN_ONLY_FROM_THE_FUNCTION_SID && statement.Effect === 'Deny') continue;
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
  'functions/reconcile/handler.ts': {
    ...COMMON,
    // DeleteItem only on the cursor's key (dynamodb:LeadingKeys), asserted on its own below.
    'dynamodb:DeleteItem': ['idempotency table', 'verdict table'],
    'dynamodb:GetItem': ['idempotency table', 'verdict table'],
    'dynamodb:PutItem': ['idempotency table', 'verdict table'],
    'dynamodb:UpdateItem': ['idempotency table', 'verdict table'],
    'ecr:BatchDeleteImage': REPOS,
    'ecr:BatchGetImage': REPOS,
    'ecr:DescribeImageScanFindings': REPOS,
    'ecr:DescribeImages': REPOS,
    // Names only, to find the covered ones: listing has no narrower resource.
    'ecr:DescribeRepositories': ['covered repositories', 'every repository'],
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
    'ecr:DescribeImageScanFindings': REPOS,
    'ecr:GetAuthorizationToken': ['*'],
    'ecr:GetDownloadUrlForLayer': REPOS,
    'ecr:InitiateLayerUpload': REPOS,
    'ecr:PutImage': REPOS,
    'ecr:UploadLayerPart': REPOS,
    'events:PutEvents': ['tollgate bus'],
    'inspector2:ListFindings': ['*'],
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

  it('the sweep deletes only its cursor from the verdict table, never an image record', () => {
    const deletes = identityStatements().filter(
      ({ role, statement }) =>
        role ===
          roleOf(
            functions.find(
              ([, fn]) => fn.Metadata?.[ENTRY_METADATA] === 'functions/reconcile/handler.ts',
            )![1],
          ) &&
        actionsOf(statement).includes('dynamodb:DeleteItem') &&
        JSON.stringify(statement.Resource).includes(`"${ids.table}"`),
    );
    expect(deletes.map(({ statement }) => statement.Condition)).toEqual([
      { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['reconcile#cursor'] } },
    ]);
  });

  it('the sweep’s schedule role may start the sweep and nothing else', () => {
    expect(permissionsOf(ids.sweepScheduleRole)).toEqual({ 'lambda:InvokeFunction': ['reconcile function'] });
    expect(resources[ids.sweepScheduleRole]!.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }],
    });
  });

  it('no other role exists, and functions are invoked by EventBridge rules of this stack only', () => {
    const roles = Object.keys(resources).filter((id) => resources[id]!.Type === 'AWS::IAM::Role');
    expect(roles.sort()).toEqual(
      [...functions.map(([, fn]) => roleOf(fn)), ids.schedulerRole, ids.sweepScheduleRole].sort(),
    );
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

/*
 * Sections 3–5 of issue #13, asked of the template through an IAM evaluation model (test/helpers/iam-evaluation.ts):
 * what a principal may do once every Ref and GetAtt is what CloudFormation would make of it. The attacker holds
 * `Action: *` on `Resource: *`, the broadest identity policy there is.
 */
const resolveValue = resolverFor(template.toJSON());
const resolve = resolveValue as <T>(value: T) => T;
const arnOf = (value: unknown): string => resolveValue(value) as string;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/Admin`;
const EVERYTHING: Statement[] = [{ Effect: 'Allow', Action: '*', Resource: '*' }];
const roleArn = (role: string): string => `arn:aws:iam::${ACCOUNT}:role/${role}`;
const keyArn = arnOf({ 'Fn::GetAtt': [ids.key, 'Arn'] });
const busArn = arnOf({ 'Fn::GetAtt': [ids.bus, 'Arn'] });
const resolvedKeyPolicy = (): Statement[] => resolve(keyPolicy());
const identityOf = (role: string): Statement[] =>
  resolve(identityStatements().filter((entry) => entry.role === role)).map(({ statement }) => statement);
const functionEntry = (entry: string): [string, Resource] =>
  functions.find(([, fn]) => fn.Metadata?.[ENTRY_METADATA] === entry)!;
const signFunctionArn = arnOf({ 'Fn::GetAtt': [functionEntry('functions/sign/handler.ts')[0], 'Arn'] });
const SIGN_REQUEST = { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' };
const EXEC_ROLE = roleArn(`cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`);

/** An alias operation needs the action on the alias (IAM) and on every key it touches (each key's policy). */
const aliasOperation = (
  action: string,
  principalArn: string,
  identity: Statement[],
  keys: { readonly arn: string; readonly policy: Statement[] }[],
  context: Request['context'] = {},
): string => {
  const alias = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/tollgate-signing`;
  const decisions = [
    evaluate({ principalArn, action, resource: alias, context }, { identity }),
    ...keys.map((key) =>
      evaluate(
        { principalArn, action, resource: key.arn, context },
        { identity, resource: key.policy, keyPolicy: true },
      ),
    ),
  ];
  return decisions.find((decision) => decision !== 'allow') ?? 'allow';
};
/** A key the attacker made, whose policy is KMS's default (`kms:*` for the account). */
const ATTACKER_KEY = {
  arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/attacker`,
  policy: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
  ],
} as const satisfies { arn: string; policy: Statement[] };

describe('the evaluation model follows IAM (so the assertions below mean what they say)', () => {
  it('denies explicitly over any allow, delegates a key to IAM only through the account statement', () => {
    const key = [
      {
        Effect: 'Allow' as const,
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:Sign',
        Resource: '*',
      },
    ];
    const request = { principalArn: ADMIN, action: 'kms:Sign', resource: keyArn };
    expect(evaluate(request, { identity: EVERYTHING, resource: key, keyPolicy: true })).toBe('allow');
    expect(evaluate(request, { identity: [], resource: key, keyPolicy: true })).toBe('implicit deny');
    expect(evaluate(request, { identity: EVERYTHING, resource: [], keyPolicy: true })).toBe('implicit deny');
    expect(
      evaluate(request, {
        identity: [...EVERYTHING, { Effect: 'Deny', Action: 'kms:*', Resource: '*' }],
        resource: key,
        keyPolicy: true,
      }),
    ).toBe('explicit deny');
  });

  it('treats a missing key as IAM does: false for a positive operator, true for a negated one', () => {
    const deny = (Condition: NonNullable<Statement['Condition']>): Statement[] => [
      { Effect: 'Deny', Action: '*', Resource: '*', Condition },
    ];
    const ask = (statements: Statement[]): string =>
      evaluate(
        { principalArn: ADMIN, action: 'events:PutEvents', resource: busArn },
        { identity: [...EVERYTHING, ...statements] },
      );
    expect(ask(deny({ StringEquals: { 'aws:CalledViaLast': 'x' } }))).toBe('allow');
    expect(ask(deny({ StringNotEquals: { 'aws:CalledViaLast': 'x' } }))).toBe('explicit deny');
    expect(ask(deny({ 'ForAnyValue:StringEquals': { 'events:source': 'x' } }))).toBe('allow');
    expect(() => ask(deny({ NumericLessThan: { 'aws:EpochTime': '1' } }))).toThrow(/not modelled/);
  });
});

describe('section 3: only the deployment moves the alias', () => {
  it('a principal with Action: * cannot repoint, delete or re-create the alias, nor alias the key anew', () => {
    const ours = { arn: keyArn, policy: resolvedKeyPolicy() };
    // UpdateAlias is checked against the alias's current key (ours) and the new one (the attacker's).
    expect(aliasOperation('kms:UpdateAlias', ADMIN, EVERYTHING, [ours, ATTACKER_KEY])).toBe('explicit deny');
    expect(aliasOperation('kms:DeleteAlias', ADMIN, EVERYTHING, [ours])).toBe('explicit deny');
    expect(aliasOperation('kms:CreateAlias', ADMIN, EVERYTHING, [ours])).toBe('explicit deny');
    // The same attacker may alias their own key (no Tollgate policy is involved): the gates' key pin covers that.
    expect(aliasOperation('kms:CreateAlias', ADMIN, EVERYTHING, [ATTACKER_KEY])).toBe('allow');
  });

  it('a call through another service is refused too; CloudFormation, with the caller’s or its service role’s credentials, is not', () => {
    const ours = { arn: keyArn, policy: resolvedKeyPolicy() };
    const via = (service: string): Request['context'] => ({
      'aws:CalledVia': [service],
      'aws:CalledViaFirst': service,
      'aws:CalledViaLast': service,
    });
    expect(
      aliasOperation('kms:UpdateAlias', ADMIN, EVERYTHING, [ours, ours], via('athena.amazonaws.com')),
    ).toBe('explicit deny');
    for (const action of ALIAS_ACTIONS) {
      expect([
        action,
        aliasOperation(action, ADMIN, EVERYTHING, [ours], via('cloudformation.amazonaws.com')),
      ]).toEqual([action, 'allow']);
      // CDK's bootstrap deploys as the cfn-exec-role, a service role: no CalledVia at all.
      expect([action, aliasOperation(action, EXEC_ROLE, EVERYTHING, [ours])]).toEqual([action, 'allow']);
    }
  });

  it('administration the threat model leaves to administrators stays possible (PutKeyPolicy), and visible', () => {
    const request = { principalArn: ADMIN, action: 'kms:PutKeyPolicy', resource: keyArn };
    expect(evaluate(request, { identity: EVERYTHING, resource: resolvedKeyPolicy(), keyPolicy: true })).toBe(
      'allow',
    );
  });
});

describe('section 4: only the sign function can sign', () => {
  const signRole = ids.signerRole;
  const signRoleArn = roleArn(signRole);
  const sign = (context: Request['context']): string =>
    evaluate(
      {
        principalArn: signRoleArn,
        action: 'kms:Sign',
        resource: keyArn,
        context: { ...SIGN_REQUEST, ...context },
      },
      { identity: identityOf(signRole), resource: resolvedKeyPolicy(), keyPolicy: true },
    );

  it('the sign role’s own policy denies kms:Sign unless the credentials are the sign function’s', () => {
    const denies = identityStatements().filter(({ statement }) => statement.Effect === 'Deny');
    expect(denies).toEqual([
      {
        role: signRole,
        statement: {
          Sid: SIGN_ONLY_FROM_THE_FUNCTION_SID,
          Effect: 'Deny',
          Action: 'kms:Sign',
          Resource: '*',
          Condition: {
            ArnNotLike: {
              'lambda:SourceFunctionArn': [
                { 'Fn::GetAtt': [functionEntry('functions/sign/handler.ts')[0], 'Arn'] },
                {
                  'Fn::Join': [
                    '',
                    [{ 'Fn::GetAtt': [functionEntry('functions/sign/handler.ts')[0], 'Arn'] }, ':*'],
                  ],
                },
              ],
            },
          },
        },
      },
    ]);
  });

  it('the sign function signs (its $LATEST or a version); the role, passed to any other function or used elsewhere, does not', () => {
    expect(sign({ 'lambda:SourceFunctionArn': signFunctionArn })).toBe('allow');
    expect(sign({ 'lambda:SourceFunctionArn': `${signFunctionArn}:7` })).toBe('allow');
    // iam:PassRole + lambda:CreateFunction: a new function running as the sign role.
    expect(
      sign({ 'lambda:SourceFunctionArn': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:attacker` }),
    ).toBe('explicit deny');
    expect(sign({ 'lambda:SourceFunctionArn': `${signFunctionArn}Evil` })).toBe('explicit deny');
    expect(sign({})).toBe('explicit deny');
    // The key policy's own conditions still hold for the function itself.
    expect(sign({ 'lambda:SourceFunctionArn': signFunctionArn, 'kms:MessageType': 'RAW' })).toBe(
      'implicit deny',
    );
  });

  it('a principal with Action: * cannot sign, nor can any other role of the stack', () => {
    const request = { principalArn: ADMIN, action: 'kms:Sign', resource: keyArn, context: SIGN_REQUEST };
    expect(evaluate(request, { identity: EVERYTHING, resource: resolvedKeyPolicy(), keyPolicy: true })).toBe(
      'explicit deny',
    );
    for (const [, fn] of functions.filter(([, fn]) => roleOf(fn) !== signRole)) {
      const principal = { ...request, principalArn: roleArn(roleOf(fn)) };
      expect(
        evaluate(principal, { identity: EVERYTHING, resource: resolvedKeyPolicy(), keyPolicy: true }),
      ).toBe('explicit deny');
    }
  });
});

describe('section 5: nobody forges Tollgate’s events', () => {
  const busPolicies = Object.values(resources).filter(
    (resource) => resource.Type === 'AWS::Events::EventBusPolicy',
  );
  const busStatements = (): Statement[] =>
    resolve(busPolicies.map((policy) => policy.Properties.Statement as Statement));
  const put = (principalArn: string, identity: Statement[], sources: string[]): string =>
    evaluate(
      { principalArn, action: 'events:PutEvents', resource: busArn, context: { 'events:source': sources } },
      { identity, resource: busStatements() },
    );
  /** Every role an identity policy lets put events on the bus. */
  const publishingRoles = [
    ...new Set(
      identityStatements()
        .filter(
          ({ statement }) =>
            statement.Effect === 'Allow' &&
            actionsOf(statement).includes('events:PutEvents') &&
            resourceKind(statement.Resource, undefined) === 'tollgate bus',
        )
        .map(({ role }) => role),
    ),
  ].sort();

  it('the bus has one policy: a Deny of Tollgate’s source to every principal but the roles that publish on it', () => {
    expect(busPolicies).toHaveLength(1);
    expect(busPolicies[0]!.Properties.EventBusName).toEqual({ Ref: ids.bus });
    const [statement] = busPolicies.map((policy) => policy.Properties.Statement as Statement);
    expect(statement).toMatchObject({
      Sid: `cdk-${RESERVED_SOURCE_SID}`,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [ids.bus, 'Arn'] },
      Condition: { 'ForAnyValue:StringEqualsIgnoreCase': { 'events:source': ['tollgate'] } },
    });
    const exempt = (
      statement!.Condition!.ArnNotEquals!['aws:PrincipalArn'] as { 'Fn::GetAtt': [string, string] }[]
    ).map((arn) => arn['Fn::GetAtt'][0]);
    // Exactly the publishers: on-push, on-scan, on-timeout, sign, notify and the sweep.
    expect([...exempt].sort()).toEqual(publishingRoles);
    expect(publishingRoles).toHaveLength(6);
  });

  it('a principal with Action: * cannot put a Tollgate-sourced event, in any case, alone or among others', () => {
    for (const sources of [['tollgate'], ['Tollgate'], ['TOLLGATE'], ['com.example.ci', 'tollgate']]) {
      expect([sources, put(ADMIN, EVERYTHING, sources)]).toEqual([sources, 'explicit deny']);
    }
    // Nor can a Tollgate role that does not publish (the public-key custom resource's), whatever it is granted.
    const [, publicKey] = functionEntry('functions/public-key/handler.ts');
    expect(put(roleArn(roleOf(publicKey)), EVERYTHING, ['tollgate'])).toBe('explicit deny');
    // The policy denies, it grants nothing: other sources stay as IAM has them.
    expect(put(ADMIN, EVERYTHING, ['com.example.ci'])).toBe('allow');
    expect(put(ADMIN, [], ['com.example.ci'])).toBe('implicit deny');
  });

  it('each publishing role, with its own identity policy, still puts Tollgate events', () => {
    for (const role of publishingRoles) {
      expect([role, put(roleArn(role), identityOf(role), ['tollgate'])]).toEqual([role, 'allow']);
    }
  });
});
