import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { TollgateFunction } from '../../infra/constructs/tollgate-function';
import { synthesizeStack, type CfnTemplate, type DeploymentEnvironment } from '../../local/template';

export const RECORDER_ENTRY = 'test/fixtures/handlers/recorder.ts';
export const RECORDER_BUS = 'recorder-test';
export const RECORDER_SOURCE = 'test.recorder';

export interface RecorderStackProps {
  /** Where every recorder function appends its invocations. */
  readonly recordFile: string;
  /** The pattern of the rule in front of the `alpha` function: what the tests change. */
  readonly alphaPattern: events.EventPattern;
}

/**
 * A small CDK app for the local-stack tests, built with the production construct (TollgateFunction, which
 * writes the `tollgate:entry` metadata): three recorder functions behind rules on a custom bus.
 * - `alpha`: the rule pattern is the test's;
 * - `beta`: `detail.kind` is `beta`;
 * - `failing`: `detail.kind` is `fail`; the function always throws, so Lambda retries it, then dead-letters.
 */
export const recorderTemplate =
  (props: RecorderStackProps) =>
  (environment: DeploymentEnvironment): CfnTemplate =>
    synthesizeStack((app) => {
      const stack = new Stack(app, 'RecorderTest', {
        env: { account: environment.accountId, region: environment.region },
      });
      const bus = new events.EventBus(stack, 'Bus', { eventBusName: RECORDER_BUS });
      const recorder = (id: string, environmentVariables: Record<string, string>): TollgateFunction =>
        new TollgateFunction(stack, id, {
          entry: RECORDER_ENTRY,
          description: `local-stack test recorder ${id}`,
          environment: { RECORDER_FILE: props.recordFile, ...environmentVariables },
        });
      const alpha = recorder('Alpha', { RECORDER_NAME: 'alpha' });
      const beta = recorder('Beta', { RECORDER_NAME: 'beta', RECORDER_OTHER: alpha.function.functionName });
      const failing = recorder('Failing', { RECORDER_NAME: 'failing', RECORDER_FAIL: 'always' });
      const rule = (id: string, pattern: events.EventPattern, fn: TollgateFunction): events.Rule =>
        new events.Rule(stack, id, {
          eventBus: bus,
          eventPattern: pattern,
          targets: [new targets.LambdaFunction(fn.function)],
        });
      rule('AlphaRule', props.alphaPattern, alpha);
      rule('BetaRule', { source: [RECORDER_SOURCE], detail: { kind: ['beta'] } }, beta);
      rule('FailingRule', { source: [RECORDER_SOURCE], detail: { kind: ['fail'] } }, failing);
      return stack;
    });
