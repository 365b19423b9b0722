import { LocalStackError } from '../../../local/errors';
import { matchesEventPattern } from '../../../local/event-pattern';
import {
  deriveDeployment,
  LOCAL_ENVIRONMENT,
  signingKeysOf,
  type CfnTemplate,
  type LocalDeployment,
} from '../../../local/template';
import { baseConfig, synth } from '../../helpers/stack';
import { RECORDER_BUS, RECORDER_ENTRY, RECORDER_SOURCE, recorderTemplate } from '../../e2e/recorder-stack';

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';

describe('deriveDeployment on the synthesized Tollgate stack', () => {
  let template: CfnTemplate;
  let deployment: LocalDeployment;
  beforeAll(() => {
    template = synth().template.toJSON();
    const [key] = signingKeysOf(template);
    deployment = deriveDeployment(template, LOCAL_ENVIRONMENT, {
      [key!.logicalId]: { ref: '11111111-2222-3333-4444-555555555555', attributes: { Arn: KEY_ARN } },
    });
  });

  const fn = (stage: string) =>
    deployment.functions.find((candidate) => candidate.entry === `functions/${stage}/handler.ts`)!;

  it('finds the signing key and its alias', () => {
    expect(signingKeysOf(template)).toEqual([
      { logicalId: expect.stringMatching(/^TollgateSigningKey/) as unknown, alias: 'alias/tollgate-signing' },
    ]);
  });

  it('declares every table with its key schema', () => {
    const verdicts = deployment.tables.find((table) => table.logicalId.startsWith('TollgateVerdictsTable'))!;
    expect(verdicts.keySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(verdicts.tableName).toBe(verdicts.logicalId);
  });

  it('resolves every function variable to the local names and ARNs', () => {
    const onPush = fn('on-push');
    const table = deployment.tables.find((candidate) =>
      candidate.logicalId.startsWith('TollgateVerdictsTable'),
    )!;
    expect(onPush.environment).toMatchObject({
      TOLLGATE_TABLE_NAME: table.tableName,
      TOLLGATE_BUS_NAME: 'tollgate',
      TOLLGATE_SIGNING_KEY_ID: KEY_ARN,
      TOLLGATE_TIMEOUT_FUNCTION_ARN: fn('on-timeout').arn,
      TOLLGATE_SCHEDULER_ROLE_ARN: expect.stringMatching(
        /^arn:aws:iam::000000000000:role\/TollgateOnPushSchedulerRole/,
      ) as unknown,
    });
    expect(onPush.arn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${onPush.functionName}`);
    expect(onPush.bundledFiles).toEqual({ 'tollgate.policy.yaml': 'tollgate.policy.yaml' });
    expect(onPush.maximumRetryAttempts).toBe(2);
    expect(onPush.onFailure).toMatch(/^arn:aws:sqs:us-east-1:000000000000:TollgateOnPushHandlerDeadLetters/);
    expect(onPush.handlerExport).toBe('handler');
  });

  it('takes each rule as synthesized, on its bus, targeting its function', () => {
    const imageAction = deployment.rules.find((rule) =>
      rule.logicalId.startsWith('TollgateOnPushImageAction'),
    )!;
    const synthesized = template.Resources![imageAction.logicalId]!.Properties!.EventPattern;
    expect(imageAction.pattern).toEqual(synthesized);
    expect(imageAction.busName).toBe('default');
    expect(imageAction.targets).toEqual([
      expect.objectContaining({ functionLogicalId: fn('on-push').logicalId, input: { kind: 'event' } }),
    ]);
    const signing = deployment.rules.find((rule) =>
      rule.logicalId.startsWith('TollgateSignerSigningRequested'),
    )!;
    expect(signing.busName).toBe('tollgate');
  });

  // synth() pins the stack to 123456789012 / us-west-2; Partition stays a Ref and is resolved here.
  it('resolves intrinsics inside patterns: the Inspector rule matches repository ARNs of the account', () => {
    const inspector = deployment.rules.find((rule) =>
      rule.logicalId.startsWith('TollgateOnScanInspectorScan'),
    )!;
    const event = (repositoryArn: string, account = '123456789012') => ({
      source: 'aws.inspector2',
      account,
      'detail-type': 'Inspector2 Scan',
      detail: { 'scan-status': 'INITIAL_SCAN_COMPLETE', 'repository-name': repositoryArn },
    });
    expect(
      matchesEventPattern(
        inspector.pattern,
        event('arn:aws:ecr:us-west-2:123456789012:repository/payments/api'),
      ),
    ).toBe(true);
    expect(
      matchesEventPattern(
        inspector.pattern,
        event('arn:aws:ecr:us-west-2:123456789012:repository/other/api'),
      ),
    ).toBe(false);
    // The account resolves too: another account's event for a covered name is not this deployment's.
    expect(
      matchesEventPattern(
        inspector.pattern,
        event('arn:aws:ecr:us-west-2:123456789012:repository/payments/api', '210987654321'),
      ),
    ).toBe(false);
  });

  it('the Inspector finding rule takes only findings on images this account owns (detail.awsAccountId)', () => {
    const finding = deployment.rules.find((rule) =>
      rule.logicalId.startsWith('TollgateOnScanInspectorFinding'),
    )!;
    const event = (owner: string) => ({
      source: 'aws.inspector2',
      account: '123456789012',
      'detail-type': 'Inspector2 Finding',
      detail: {
        status: 'ACTIVE',
        awsAccountId: owner,
        resources: [
          {
            type: 'AWS_ECR_CONTAINER_IMAGE',
            details: { awsEcrContainerImage: { repositoryName: 'payments/api' } },
          },
        ],
      },
    });
    expect(matchesEventPattern(finding.pattern, event('123456789012'))).toBe(true);
    // A delegated administrator's copy of a member's finding, for a repository of the same name.
    expect(matchesEventPattern(finding.pattern, event('210987654321'))).toBe(false);
  });

  it('lists the default bus and the custom one', () => {
    expect(deployment.buses).toEqual(['default', 'tollgate']);
  });
});

describe('deriveDeployment: webhooks become API destination targets', () => {
  const template = synth(
    baseConfig({
      alerts: {
        webhooks: [
          { name: 'ops', url: 'https://hooks.example.com/ops', format: 'json' },
          {
            name: 'chat',
            url: 'https://hooks.example.com/chat',
            format: 'slack',
            secretName: 'tollgate/slack',
          },
        ],
      },
    }),
  ).template.toJSON();
  const [key] = signingKeysOf(template);
  const deployment = deriveDeployment(template, LOCAL_ENVIRONMENT, {
    [key!.logicalId]: { ref: 'key', attributes: { Arn: KEY_ARN } },
  });
  const webhookTarget = (name: string) =>
    deployment.rules.find((rule) => rule.logicalId.startsWith(`TollgateAlertsWebhook${name}`))!.targets[0]!;

  it('resolves each webhook rule target to its destination, connection, input path, retries and DLQ', () => {
    const ops = webhookTarget('ops');
    expect(ops.functionLogicalId).toBeUndefined();
    expect(ops.apiDestination).toMatchObject({
      arn: ops.arn,
      endpoint: 'https://hooks.example.com/ops',
      httpMethod: 'POST',
      rateLimitPerSecond: 10,
      connection: { headers: { 'X-Tollgate-Source': 'tollgate' }, queryParameters: {} },
      http: { pathParameters: [], headers: {}, queryParameters: {} },
    });
    expect(ops.arn).toMatch(
      /^arn:aws:events:us-east-1:000000000000:api-destination\/TollgateAlertsDestinationops/,
    );
    expect(ops.input).toEqual({ kind: 'path', path: '$.detail.body' });
    expect(ops.maximumRetryAttempts).toBe(8);
    expect(ops.deadLetterArn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:TollgateAlertsRuleDeadLetters/);
  });

  it('keeps a Secrets Manager key as the dynamic reference, to be resolved only at delivery', () => {
    expect(webhookTarget('chat').apiDestination).toMatchObject({
      rateLimitPerSecond: 1,
      connection: {
        headers: { Authorization: '{{resolve:secretsmanager:tollgate/slack:SecretString:::}}' },
      },
    });
  });

  it('no longer lists the webhook targets as not run locally', () => {
    expect(deployment.notes.filter((note) => note.includes('api-destination'))).toEqual([]);
  });
});

describe('deriveDeployment on a test stack', () => {
  const template = recorderTemplate({
    recordFile: '/tmp/x.jsonl',
    alphaPattern: { source: [RECORDER_SOURCE] },
  })(LOCAL_ENVIRONMENT);

  it('reads the handler entry from the tollgate:entry metadata and resolves Refs between functions', () => {
    const deployment = deriveDeployment(template, LOCAL_ENVIRONMENT);
    const alpha = deployment.functions.find((fn) => fn.logicalId.startsWith('Alpha'))!;
    const beta = deployment.functions.find((fn) => fn.logicalId.startsWith('Beta'))!;
    expect(alpha.entry).toBe(RECORDER_ENTRY);
    expect(beta.environment.RECORDER_OTHER).toBe(alpha.functionName);
    expect(deployment.rules.every((rule) => rule.busName === RECORDER_BUS)).toBe(true);
  });

  it('says a function without the metadata cannot run locally', () => {
    const resources = Object.fromEntries(
      Object.entries(template.Resources!).map(([id, resource]) => [
        id,
        resource.Type === 'AWS::Lambda::Function' ? { ...resource, Metadata: {} } : resource,
      ]),
    );
    const deployment = deriveDeployment({ ...template, Resources: resources }, LOCAL_ENVIRONMENT);
    expect(deployment.functions.every((fn) => fn.entry === undefined)).toBe(true);
    expect(deployment.notes).toContainEqual(
      expect.stringMatching(/^function Alpha\S+ has no tollgate:entry metadata/),
    );
  });

  it('refuses a pattern EventBridge would refuse, naming the rule', () => {
    const broken: CfnTemplate = {
      Resources: {
        Rule: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: 'aws.ecr' }, Targets: [] } },
      },
    };
    expect(() => deriveDeployment(broken, LOCAL_ENVIRONMENT)).toThrow(LocalStackError);
    expect(() => deriveDeployment(broken, LOCAL_ENVIRONMENT)).toThrow(/rule Rule: event pattern source/);
  });
});
