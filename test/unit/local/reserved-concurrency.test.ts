import {
  deriveDeployment,
  LOCAL_ENVIRONMENT,
  signingKeysOf,
  type CfnTemplate,
} from '../../../local/template';
import { synth } from '../../helpers/stack';

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';

describe('deriveDeployment: reserved concurrency', () => {
  it('takes ReservedConcurrentExecutions where the template sets it, and leaves it unset elsewhere', () => {
    const synthesized = synth().template.toJSON() as CfnTemplate;
    const resources = { ...synthesized.Resources };
    const [signLogicalId, sign] = Object.entries(resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Function' &&
        resource.Metadata?.['tollgate:entry'] === 'functions/sign/handler.ts',
    )!;
    resources[signLogicalId] = {
      ...sign,
      Properties: { ...sign.Properties, ReservedConcurrentExecutions: 3 },
    };
    const template: CfnTemplate = { ...synthesized, Resources: resources };
    const [key] = signingKeysOf(template);
    const deployment = deriveDeployment(template, LOCAL_ENVIRONMENT, {
      [key!.logicalId]: { ref: '11111111-2222-3333-4444-555555555555', attributes: { Arn: KEY_ARN } },
    });

    const byEntry = (entry: string) => deployment.functions.find((fn) => fn.entry === entry)!;
    expect(byEntry('functions/sign/handler.ts').reservedConcurrentExecutions).toBe(3);
    expect(byEntry('functions/on-push/handler.ts').reservedConcurrentExecutions).toBeUndefined();
  });
});
