import { AwsApiError, type JsonObject } from './protocol';

/**
 * Reads request members with the checks AWS's own validation makes, so a malformed call fails here
 * as it would in AWS instead of passing locally. `errorType` is the service's validation exception:
 * ECR says `InvalidParameterException`, KMS, EventBridge and Scheduler say `ValidationException`.
 */
export class RequestReader {
  public constructor(
    private readonly input: JsonObject,
    private readonly errorType: string,
  ) {}

  /** The structure as sent, for operations that store it whole. */
  public raw(): JsonObject {
    return { ...this.input };
  }

  public invalid(message: string): AwsApiError {
    return new AwsApiError(this.errorType, message);
  }

  public string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') throw this.invalid(`${name} is required`);
    return value;
  }

  public optionalString(name: string): string | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.invalid(`${name} must be a string`);
    return value;
  }

  public optionalNumber(name: string): number | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid(`${name} must be a number`);
    return value;
  }

  /** A Blob member: base64 in JSON. */
  public blob(name: string): Buffer {
    const value = this.string(name);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw this.invalid(`${name} is not valid base64`);
    return Buffer.from(value, 'base64');
  }

  public optionalObject(name: string): JsonObject | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.invalid(`${name} must be an object`);
    return value as JsonObject;
  }

  public object(name: string): JsonObject {
    const value = this.optionalObject(name);
    if (value === undefined) throw this.invalid(`${name} is required`);
    return value;
  }

  public optionalObjects(name: string): JsonObject[] | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every(isObject))
      throw this.invalid(`${name} must be a list of objects`);
    return value;
  }

  public optionalStrings(name: string): string[] | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw this.invalid(`${name} must be a list of strings`);
    }
    return value;
  }

  /** A nested structure read with the same rules. */
  public nested(name: string): RequestReader {
    return this.child(this.object(name));
  }

  public child(value: JsonObject): RequestReader {
    return new RequestReader(value, this.errorType);
  }
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
