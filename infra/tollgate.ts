import { CfnOutput } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { TollgateConfig, TollgateConfigInput } from '../shared/config';
import type { LoadedPolicy } from '../shared/policy';
import { resolveSettings } from './config-file';
import { SigningKey } from './constructs/signing-key';
import { VerdictTable } from './constructs/verdict-table';

export interface TollgateProps {
  /**
   * What `tollgate.config.yaml` holds. Validated at synth time: an unknown key or a bad value
   * fails `cdk synth` with the field's path and the allowed values.
   */
  readonly config: TollgateConfigInput;
  /**
   * The folder relative paths in `config` (the policy file) are resolved from.
   * @default process.cwd()
   */
  readonly baseDir?: string;
  /**
   * Name of the custom event bus verdicts are published on.
   * @default 'tollgate'
   */
  readonly busName?: string;
}

/** The whole gate for one account and region: drop it into any stack. */
export class Tollgate extends Construct {
  public readonly config: TollgateConfig;
  public readonly policy: LoadedPolicy;
  public readonly signingKey: SigningKey;
  public readonly verdictTable: VerdictTable;
  public readonly bus: events.EventBus;

  public constructor(scope: Construct, id: string, props: TollgateProps) {
    super(scope, id);
    const settings = resolveSettings(props.config, props.baseDir ?? process.cwd());
    this.config = settings.config;
    this.policy = settings.policy;

    this.signingKey = new SigningKey(this, 'Signing', { alias: this.config.signatures.keyAlias });
    this.verdictTable = new VerdictTable(this, 'Verdicts');
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? 'tollgate' });

    new CfnOutput(this, 'SigningKeyArn', { value: this.signingKey.key.keyArn, description: 'Tollgate signing key ARN' });
    new CfnOutput(this, 'SigningKeyAlias', {
      value: this.signingKey.alias.aliasName,
      description: 'Use as --key awskms:///<alias> with cosign and tollgate verify',
    });
    new CfnOutput(this, 'VerdictBusName', { value: this.bus.eventBusName });
  }
}
