import { Match } from 'aws-cdk-lib/assertions';
import { ConfigValidationError, PolicyValidationError } from '../../shared/core/domain';
import { baseConfig, synth } from '../helpers/stack';

describe('Tollgate construct: foundation resources', () => {
  const { template } = synth();

  it('creates a non-exportable P-256 signing key that survives stack deletion', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/tollgate-signing' });
  });

  it('creates an on-demand, encrypted verdict table with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it('creates the tollgate event bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'tollgate' });
  });

  it('uses the configured key alias', () => {
    const custom = synth(baseConfig({ signatures: { keyAlias: 'alias/team-signing' } })).template;
    custom.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/team-signing' });
  });
});

describe('configuration is validated at synth', () => {
  const failure = (config: unknown): Error => {
    try {
      synth(config);
    } catch (error) {
      return error as Error;
    }
    throw new Error('synth succeeded');
  };

  it('names an unknown key', () => {
    const error = failure({ ...baseConfig(), repositoryz: ['x'] });
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.message).toMatch(/repositoryz/);
  });

  it('names a bad enum value and the allowed values', () => {
    const error = failure(baseConfig({ immutability: 'sometimes' as never }));
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).field).toBe('immutability');
    expect(error.message).toContain('"enforce"');
    expect(error.message).toContain('"report"');
  });

  it('names a nested field', () => {
    const error = failure(baseConfig({ alerts: { emails: ['not-an-address'] } }));
    expect((error as ConfigValidationError).field).toBe('alerts.emails.0');
  });

  it('refuses an empty repository list', () => {
    expect((failure(baseConfig({ repositories: [] })) as ConfigValidationError).field).toBe('repositories');
  });

  it('refuses ** in a repository glob at synth, which EventBridge would refuse at deploy', () => {
    const error = failure(baseConfig({ repositories: ['team-a/**'] })) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.field).toBe('repositories.0');
    expect(error.message).toMatch(/use \* instead of \*\*/);
  });

  it('refuses a missing policy file', () => {
    const error = failure(baseConfig({ policy: 'no-such-policy.yaml' }));
    expect((error as ConfigValidationError).field).toBe('policy');
  });

  it('refuses an invalid policy file, naming the field inside it', () => {
    const error = failure(baseConfig({ policy: 'test/fixtures/config/invalid-policy.yaml' }));
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect((error as PolicyValidationError).field).toBe('exceptions.0.reason');
  });
});
