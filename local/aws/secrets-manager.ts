import type { StandInContext } from './context';
import { AwsApiError, epochSeconds } from './protocol';
import type { JsonRpcService } from './service';

/**
 * Secrets Manager's GetSecretValue, and nothing else: the secrets the stand-in was started with (the alert
 * receivers' tokens notify reads), by name or by the ARN it answers with. Versions are not modelled: every
 * secret has one, AWSCURRENT. An unknown secret answers ResourceNotFoundException, as Secrets Manager does.
 */
export const secretsManagerService = (
  context: StandInContext,
  secrets: Readonly<Record<string, string>>,
): JsonRpcService => {
  const arnOf = (name: string): string =>
    // Secrets Manager appends six random characters to the name in the ARN; fixed ones here.
    `arn:aws:secretsmanager:${context.region}:${context.accountId}:secret:${name}-local0`;
  const created = context.now();
  return {
    name: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    validationError: 'InvalidParameterException',
    operations: {
      GetSecretValue: (request) => {
        const id = request.string('SecretId');
        const stage = request.optionalString('VersionStage');
        const name = Object.keys(secrets).find((candidate) => candidate === id || arnOf(candidate) === id);
        if (name === undefined || (stage !== undefined && stage !== 'AWSCURRENT')) {
          throw new AwsApiError(
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret.",
          );
        }
        return Promise.resolve({
          ARN: arnOf(name),
          Name: name,
          VersionId: '00000000-0000-4000-8000-000000000000',
          SecretString: secrets[name],
          VersionStages: ['AWSCURRENT'],
          CreatedDate: epochSeconds(created),
        });
      },
    },
  };
};
