import { App } from 'aws-cdk-lib';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFileSync, existsSync } from 'node:fs';
import { validateConfig } from '../shared/core/config';
import { TollgateError } from '../shared/core/domain/errors';
import { DEFAULT_CONFIG_FILE } from './config-file';
import { KeyReplicaStack } from './spoke/key-replica-stack';
import { spokeStacks } from './spoke/spoke-stacks';
import { TollgateSpokeStack } from './spoke/tollgate-spoke-stack';
import { TollgateStack } from './tollgate-stack';

// `-c tollgateConfig=path` picks another config file; the default sits next to cdk.json.
const app = new App();
const configPath = resolve(String(app.node.tryGetContext('tollgateConfig') ?? DEFAULT_CONFIG_FILE));

try {
  if (!existsSync(configPath))
    throw new Error(`${configPath} does not exist; copy the example from the README`);
  const raw: unknown = parseYaml(readFileSync(configPath, 'utf8'), { schema: 'core' });
  const organization = validateConfig(raw, configPath).organization;
  const replicaRegions =
    organization?.signingKey.multiRegion === true ? organization.signingKey.replicaRegions : [];
  const hub = new TollgateStack(app, 'Tollgate', {
    config: raw as never,
    baseDir: dirname(configPath),
    // An organization's hub is where the config says (the spokes' trust names it); otherwise environment-agnostic
    // unless the CLI knows the account: synth needs no credentials.
    ...(organization !== undefined
      ? { env: organization.hub }
      : process.env.CDK_DEFAULT_ACCOUNT === undefined
        ? {}
        : {
            env: {
              account: process.env.CDK_DEFAULT_ACCOUNT,
              region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
            },
          }),
    // The key replicas' stacks take the primary's ARN from this one, in another region.
    ...(replicaRegions.length > 0 ? { crossRegionReferences: true } : {}),
    description: 'Tollgate: scan, judge, sign and publish every image pushed to Amazon ECR',
  });
  // One StackSet template per spoke entry of `organization` (each may cover its own repositories).
  for (const [stackId, props] of spokeStacks(hub.tollgate.config))
    new TollgateSpokeStack(app, stackId, props);
  for (const region of replicaRegions) {
    new KeyReplicaStack(app, `TollgateKeyReplica-${region}`, {
      env: { account: organization!.hub.account, region },
      primaryKey: hub.tollgate.signingKey.multiRegionKey!,
      description: `Tollgate: the replica of the multi-Region signing key in ${region}`,
    });
  }
  app.synth();
} catch (error) {
  // A readable one-liner instead of a stack trace: this is what a user sees when their config is wrong.
  const message = error instanceof TollgateError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`\nTollgate configuration error (${configPath}):\n  ${message}\n\n`);
  process.exit(1);
}
