import { App } from 'aws-cdk-lib';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFileSync, existsSync } from 'node:fs';
import { TollgateError } from '../shared/core/domain/errors';
import { DEFAULT_CONFIG_FILE } from './config-file';
import { spokeStacks } from './spoke/spoke-stacks';
import { TollgateSpokeStack } from './spoke/tollgate-spoke-stack';
import { TollgateStack } from './tollgate-stack';

// `-c tollgateConfig=path` picks another config file; the default sits next to cdk.json.
const app = new App();
const configPath = resolve(String(app.node.tryGetContext('tollgateConfig') ?? DEFAULT_CONFIG_FILE));

try {
  if (!existsSync(configPath))
    throw new Error(`${configPath} does not exist; copy the example from the README`);
  const hub = new TollgateStack(app, 'Tollgate', {
    config: parseYaml(readFileSync(configPath, 'utf8'), { schema: 'core' }) as never,
    baseDir: dirname(configPath),
    // Environment-agnostic unless the CLI knows the account: synth needs no credentials.
    ...(process.env.CDK_DEFAULT_ACCOUNT === undefined
      ? {}
      : {
          env: {
            account: process.env.CDK_DEFAULT_ACCOUNT,
            region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
          },
        }),
    description: 'Tollgate: scan, judge, sign and publish every image pushed to Amazon ECR',
  });
  // One StackSet template per spoke entry of `organization` (each may cover its own repositories).
  for (const [stackId, props] of spokeStacks(hub.tollgate.config))
    new TollgateSpokeStack(app, stackId, props);
  app.synth();
} catch (error) {
  // A readable one-liner instead of a stack trace: this is what a user sees when their config is wrong.
  const message = error instanceof TollgateError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`\nTollgate configuration error (${configPath}):\n  ${message}\n\n`);
  process.exit(1);
}
