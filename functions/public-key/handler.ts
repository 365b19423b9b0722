import type { KMSClient } from '@aws-sdk/client-kms';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { KmsSigner } from '../../shared/adapters/aws/kms';
// Imported from its own module, not the gate barrel: the bundle then carries no verifier or YAML code.
import { publicKeyResource } from '../../shared/adapters/gate/public-key-resource';
// By file, not through the runtime index, which also carries the config and policy loader (zod, YAML).
import { observability } from '../../shared/adapters/runtime/observability';
import { sendCustomResourceResponse, type CustomResourceOutcome } from './cfn-response';

const { logger } = observability('public-key');

// One client per container, built on the first invocation: the SDK is imported then, not during init.
let kms: Promise<{ readonly client: KMSClient; readonly Signer: typeof KmsSigner }> | undefined;
const loadKms = async () => {
  const { KMSClient } = await import('@aws-sdk/client-kms');
  const { KmsSigner } = await import('../../shared/adapters/aws/kms');
  return { client: new KMSClient({}), Signer: KmsSigner };
};

/**
 * The public-key custom resource (infra/constructs/public-key-parameter.ts), invoked by CloudFormation directly.
 * KMS returns the key as DER; it becomes PEM with the same code the signer uses. Every outcome, failures
 * included, is reported to CloudFormation, so a deployment never hangs on this resource.
 */
export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  let outcome: CustomResourceOutcome;
  try {
    kms ??= loadKms().catch((error: unknown) => {
      kms = undefined;
      throw error;
    });
    const { client, Signer } = await kms;
    const result = await publicKeyResource(event, (keyId) => new Signer(client, keyId));
    outcome = {
      status: 'SUCCESS',
      physicalResourceId: result.PhysicalResourceId,
      ...(result.Data === undefined ? {} : { data: { ...result.Data } }),
    };
  } catch (error) {
    logger.error('public key custom resource failed', { error, requestType: event.RequestType });
    outcome = {
      status: 'FAILED',
      // A failed Create has no physical id yet; CloudFormation then deletes with this one, which is harmless.
      physicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : context.logStreamName,
      reason: `${(error as Error).message} (log stream ${context.logStreamName})`,
    };
  }
  await sendCustomResourceResponse(event, outcome);
};
