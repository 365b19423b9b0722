import type { RequestReader } from './input';

/** One operation: reads its input, returns the output structure (serialized as JSON), or throws AwsApiError. */
export type Operation = (request: RequestReader) => Promise<unknown>;

/** A service on the awsJson1_1 protocol, addressed by `X-Amz-Target: <targetPrefix>.<Operation>`. */
export interface JsonRpcService {
  /** The prefix of call counts and fault keys, as in IAM actions: `ecr`, `kms`, `events`. */
  readonly name: 'ecr' | 'kms' | 'events' | 'secretsmanager';
  readonly targetPrefix: string;
  /** The exception the service answers malformed input with. */
  readonly validationError: string;
  readonly operations: Readonly<Record<string, Operation>>;
}
