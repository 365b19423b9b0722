import { SIMPLE_SIGNING_TYPE } from '../formats/payload/simple-signing';
import { parseStrictJson } from './strict-json';

export interface SimpleSigningClaims {
  readonly dockerReference: string;
  readonly dockerManifestDigest: string;
}

export class SimpleSigningFormatError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SimpleSigningFormatError';
  }
}

/**
 * Reads a cosign simple-signing payload as strictly as containers/image: no duplicate keys, exactly the known
 * fields in `critical` (an unknown critical field may carry a meaning we would silently ignore), `optional`
 * null or an object whose `creator` is a string and `timestamp` an integer.
 */
export const parseSimpleSigning = (payload: Buffer): SimpleSigningClaims => {
  const top = exactObject(parseStrictJson(payload.toString('utf8')), ['critical', 'optional'], 'payload');
  checkOptional(top.optional);
  const critical = exactObject(top.critical, ['type', 'image', 'identity'], 'critical');
  if (critical.type !== SIMPLE_SIGNING_TYPE) {
    throw new SimpleSigningFormatError(`unrecognized signature type ${JSON.stringify(critical.type)}`);
  }
  const image = exactObject(critical.image, ['docker-manifest-digest'], 'critical.image');
  const identity = exactObject(critical.identity, ['docker-reference'], 'critical.identity');
  const digest = image['docker-manifest-digest'];
  const reference = identity['docker-reference'];
  if (typeof digest !== 'string')
    throw new SimpleSigningFormatError('docker-manifest-digest is not a string');
  if (typeof reference !== 'string') throw new SimpleSigningFormatError('docker-reference is not a string');
  return { dockerReference: reference, dockerManifestDigest: digest };
};

const exactObject = (value: unknown, fields: readonly string[], where: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimpleSigningFormatError(`${where} is not a JSON object`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const unknown = keys.filter((key) => !fields.includes(key));
  if (unknown.length > 0)
    throw new SimpleSigningFormatError(`${where} has unknown field ${JSON.stringify(unknown[0])}`);
  const missing = fields.filter((field) => !keys.includes(field));
  if (missing.length > 0)
    throw new SimpleSigningFormatError(`${where} lacks field ${JSON.stringify(missing[0])}`);
  return record;
};

const checkOptional = (optional: unknown): void => {
  if (optional === null) return;
  if (typeof optional !== 'object' || Array.isArray(optional)) {
    throw new SimpleSigningFormatError('optional is neither null nor an object');
  }
  const record = optional as Record<string, unknown>;
  if ('creator' in record && typeof record.creator !== 'string') {
    throw new SimpleSigningFormatError('optional.creator is not a string');
  }
  if ('timestamp' in record && !Number.isSafeInteger(record.timestamp)) {
    throw new SimpleSigningFormatError('optional.timestamp is not an integer');
  }
};
