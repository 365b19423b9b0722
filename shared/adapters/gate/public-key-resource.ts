import type { PublicKeySource } from '../../app/verify';

/** What CloudFormation (through the CDK Provider framework) sends the public-key custom resource. */
export interface PublicKeyResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
}

export interface PublicKeyResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly Pem: string; readonly KeyArn: string };
}

/**
 * The public key custom resource: on Create and Update, GetPublicKey and the SPKI PEM (`Data.Pem`) for the SSM
 * parameter; on Delete, nothing, since the parameter is CloudFormation's own resource and the key is retained.
 * The physical id is the key ARN, so pointing the resource at another key replaces it.
 */
export const publicKeyResource = async (
  event: PublicKeyResourceEvent,
  sourceFor: (keyId: string) => PublicKeySource,
): Promise<PublicKeyResourceResponse> => {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId ?? 'none' };
  const keyId = event.ResourceProperties.KeyId;
  if (typeof keyId !== 'string' || keyId === '') throw new Error('the KeyId property is required');
  const { pem, hint } = await sourceFor(keyId).publicKey();
  const keyArn = hint ?? keyId;
  return { PhysicalResourceId: keyArn, Data: { Pem: pem, KeyArn: keyArn } };
};
