import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { resolve } from 'node:path';
import type { TollgateConfigInput } from '../../shared/core/config';
import { TollgateStack } from '../../infra/tollgate-stack';

export const REPO_ROOT = resolve(__dirname, '../..');

export const baseConfig = (overrides: Partial<TollgateConfigInput> = {}): TollgateConfigInput => ({
  repositories: ['payments/*', 'web/frontend'],
  policy: 'tollgate.policy.yaml',
  ...overrides,
});

/**
 * Synthesizes the stack. Asset bundling is skipped unless asked for: esbuild runs once per function
 * and the assertions here are about the template, not the bundles.
 */
export const synth = (
  config: unknown = baseConfig(),
  options: { readonly bundle?: boolean } = {},
): { readonly stack: TollgateStack; readonly template: Template } => {
  const app = new App(options.bundle === true ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TollgateStack(app, 'Tollgate', {
    config: config as TollgateConfigInput,
    baseDir: REPO_ROOT,
    env: { account: '123456789012', region: 'us-west-2' },
  });
  return { stack, template: Template.fromStack(stack) };
};
