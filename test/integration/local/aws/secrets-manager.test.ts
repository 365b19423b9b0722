import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startAwsStandIn, type AwsStandIn } from '../../../../local/aws';
import { SecretsManagerSource } from '../../../../shared/adapters/alerts';

jest.setTimeout(30_000);

describe('the AWS stand-in: Secrets Manager GetSecretValue over awsJson1_1', () => {
  let stateDir: string;
  let standIn: AwsStandIn;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'tollgate-secrets-'));
    standIn = await startAwsStandIn({
      stateDir,
      // Nothing here talks to ECR, so no registry is started.
      registry: { url: 'http://127.0.0.1:9' },
      secrets: { 'tollgate/slack-bot': 'xoxb-local' },
      log: () => undefined,
    });
    client = new SecretsManagerClient({
      endpoint: standIn.endpointEnv().AWS_ENDPOINT_URL_SECRETS_MANAGER!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await standIn.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('answers a secret it was given, by name and by the ARN it answered with', async () => {
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'tollgate/slack-bot' }));
    expect(byName).toMatchObject({
      Name: 'tollgate/slack-bot',
      SecretString: 'xoxb-local',
      VersionStages: ['AWSCURRENT'],
      ARN: expect.stringMatching(
        /^arn:aws:secretsmanager:us-east-1:000000000000:secret:tollgate\/slack-bot-/,
      ) as unknown,
    });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    expect(byArn.SecretString).toBe('xoxb-local');
  });

  it('refuses an unknown secret with ResourceNotFoundException, as Secrets Manager does', async () => {
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'tollgate/nope' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('is what notify’s adapter reads, through the production client', async () => {
    const source = new SecretsManagerSource({ client });
    await expect(source.secret('tollgate/slack-bot')).resolves.toBe('xoxb-local');
    await expect(source.secret('tollgate/nope')).rejects.toMatchObject({ retryable: false });
  });
});
