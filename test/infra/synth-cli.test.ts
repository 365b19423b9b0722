import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/stack';

// The real `cdk synth`, as a user runs it: no AWS credentials, no Docker.
const cdkSynth = (...args: string[]) => {
  const out = mkdtempSync(join(tmpdir(), 'tollgate-synth-'));
  const env = { ...process.env };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete env[name];
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out, ...args], {
    cwd: REPO_ROOT,
    env: { ...env, DOCKER_HOST: 'unix:///nonexistent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...result, out };
};

describe('cdk synth', () => {
  it('synthesizes the default config with no credentials and no Docker', () => {
    const result = cdkSynth();
    expect(result.status).toBe(0);
    const template = JSON.parse(readFileSync(join(result.out, 'Tollgate.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::KMS::Key', 'AWS::DynamoDB::Table', 'AWS::Events::EventBus']),
    );
  }, 120_000);

  it('fails with the field and the allowed values when the config is bad', () => {
    const result = cdkSynth('-c', 'tollgateConfig=test/fixtures/config/bad-immutability.config.yaml');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('immutability');
    expect(result.stderr).toMatch(/"enforce".*"report"/);
  }, 120_000);
});
