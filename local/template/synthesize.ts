import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { TollgateStack } from '../../infra/tollgate-stack';
import type { TollgateConfigInput } from '../../shared/core/config';
import { LocalStackError } from '../errors';
import type { CfnTemplate, DeploymentEnvironment } from './cfn';

export interface SynthesizeTollgateOptions {
  readonly config: TollgateConfigInput;
  /** The folder the config's relative paths (the policy file) are resolved from. */
  readonly baseDir: string;
  readonly env: DeploymentEnvironment;
}

/**
 * Synthesizes the Tollgate stack in-process, exactly as `cdk synth` would, minus asset bundling: the
 * local stack runs the handler sources, so esbuild has nothing to do (`aws:cdk:bundling-stacks: []`).
 */
export const synthesizeTollgate = (options: SynthesizeTollgateOptions): CfnTemplate =>
  synthesizeStack((app) => {
    try {
      return new TollgateStack(app, options.env.stackName, {
        config: options.config,
        baseDir: options.baseDir,
        env: { account: options.env.accountId, region: options.env.region },
      });
    } catch (error) {
      throw new LocalStackError(
        `the Tollgate configuration does not synthesize: ${(error as Error).message}`,
        'fix tollgate.config.yaml (or the file passed with --config); `npm run synth` shows the same error',
        { cause: error },
      );
    }
  });

/** Synthesizes any stack the callback builds (tests use small stacks of their own). */
export const synthesizeStack = (build: (app: App) => Stack): CfnTemplate => {
  const outdir = mkdtempSync(join(tmpdir(), 'tollgate-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = build(app);
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

/** Reads a template `cdk synth` wrote, e.g. `cdk.out/Tollgate.template.json`. */
export const readTemplate = (file: string): CfnTemplate => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  } catch (error) {
    throw new LocalStackError(
      `cannot read the template ${file}: ${(error as Error).message}`,
      'run `npm run synth` first',
      {
        cause: error,
      },
    );
  }
};
