import { createHash } from 'node:crypto';
import type { KeyRecord, KmsKeyStore } from './kms-keys';
import type { RequestReader } from './input';
import { AwsApiError, epochSeconds } from './protocol';
import type { JsonRpcService } from './service';

const KEY_SPEC = 'ECC_NIST_P256';
const ALGORITHM = 'ECDSA_SHA_256';
/** KMS's cap on a RAW message; larger ones must be hashed by the caller and sent as DIGEST. */
const MAX_RAW_BYTES = 4096;
const SHA256_BYTES = 32;

/**
 * KMS for asymmetric signing keys only: CreateKey, CreateAlias, DescribeKey, GetPublicKey, Sign, Verify,
 * with real P-256 keys (see KmsKeyStore). Other key specs and usages are refused, not faked.
 */
export const kmsService = (keys: KmsKeyStore): JsonRpcService => ({
  name: 'kms',
  targetPrefix: 'TrentService',
  validationError: 'ValidationException',
  operations: {
    CreateKey: (request) => {
      const keySpec = request.optionalString('KeySpec') ?? request.optionalString('CustomerMasterKeySpec');
      const keyUsage = request.optionalString('KeyUsage');
      if (keySpec !== KEY_SPEC || keyUsage !== 'SIGN_VERIFY') {
        throw new AwsApiError(
          'UnsupportedOperationException',
          `The stand-in makes ${KEY_SPEC} SIGN_VERIFY keys only, not ${keySpec ?? 'SYMMETRIC_DEFAULT'} ${keyUsage ?? 'ENCRYPT_DECRYPT'}.`,
        );
      }
      return Promise.resolve({
        KeyMetadata: metadata(keys.create(request.optionalString('Description') ?? '')),
      });
    },
    CreateAlias: (request) => {
      keys.createAlias(request.string('AliasName'), request.string('TargetKeyId'));
      return Promise.resolve({});
    },
    DescribeKey: (request) =>
      Promise.resolve({ KeyMetadata: metadata(keys.resolve(request.string('KeyId'))) }),
    GetPublicKey: (request) => {
      const key = keys.resolve(request.string('KeyId'));
      return Promise.resolve({
        KeyId: key.arn,
        PublicKey: keys.publicKeyDer(key).toString('base64'),
        CustomerMasterKeySpec: KEY_SPEC,
        KeySpec: KEY_SPEC,
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: [ALGORITHM],
      });
    },
    Sign: (request) => {
      const { key, digest } = signingInput(keys, request);
      return Promise.resolve({
        KeyId: key.arn,
        Signature: keys.signDigest(key, digest).toString('base64'),
        SigningAlgorithm: ALGORITHM,
      });
    },
    Verify: (request) => {
      const { key, digest } = signingInput(keys, request);
      if (!keys.verifyDigest(key, digest, request.blob('Signature'))) {
        throw new AwsApiError('KMSInvalidSignatureException', 'The signature is not valid.');
      }
      return Promise.resolve({ KeyId: key.arn, SignatureValid: true, SigningAlgorithm: ALGORITHM });
    },
  },
});

/** The key and the SHA-256 digest to sign or verify, with the message limits KMS enforces. */
const signingInput = (
  keys: KmsKeyStore,
  request: RequestReader,
): { readonly key: KeyRecord; readonly digest: Buffer } => {
  const key = keys.resolve(request.string('KeyId'));
  const algorithm = request.string('SigningAlgorithm');
  if (algorithm !== ALGORITHM) {
    throw new AwsApiError(
      'InvalidKeyUsageException',
      `The signing algorithm ${algorithm} is not valid for key ${key.arn}; it supports ${ALGORITHM}.`,
    );
  }
  const message = request.blob('Message');
  const messageType = request.optionalString('MessageType') ?? 'RAW';
  if (messageType === 'DIGEST') {
    if (message.length !== SHA256_BYTES) {
      throw request.invalid(`Digest is invalid length for algorithm ${ALGORITHM}.`);
    }
    return { key, digest: message };
  }
  if (messageType !== 'RAW') throw request.invalid(`MessageType ${messageType} is not RAW or DIGEST.`);
  if (message.length < 1 || message.length > MAX_RAW_BYTES) {
    throw request.invalid(
      `1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RAW_BYTES}`,
    );
  }
  return { key, digest: createHash('sha256').update(message).digest() };
};

const metadata = (key: KeyRecord): Record<string, unknown> => ({
  AWSAccountId: /:(\d+):key\//.exec(key.arn)?.[1],
  KeyId: key.keyId,
  Arn: key.arn,
  CreationDate: epochSeconds(new Date(key.creationDate)),
  Enabled: true,
  Description: key.description,
  KeyUsage: 'SIGN_VERIFY',
  KeyState: 'Enabled',
  Origin: 'AWS_KMS',
  KeyManager: 'CUSTOMER',
  CustomerMasterKeySpec: KEY_SPEC,
  KeySpec: KEY_SPEC,
  SigningAlgorithms: [ALGORITHM],
  MultiRegion: false,
});
