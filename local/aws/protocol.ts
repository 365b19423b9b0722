import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** The wire protocol of a service: decides error status codes and the response content type. */
export type WireProtocol = 'awsJson1_1' | 'restJson1';

/**
 * An AWS error response the stand-in sends. It is not a Tollgate failure (hence not in the domain error
 * hierarchy): it describes bytes on the wire, so that the SDK on the other side throws its modelled
 * exception class (`RepositoryNotFoundException`, `NotFoundException`, ...), exactly as against AWS.
 */
export class AwsApiError extends Error {
  public constructor(
    /** The exception name the SDK maps to a class, e.g. `ScanNotFoundException`. */
    public readonly type: string,
    message: string,
    /** @default 400, which is what every awsJson1_1 service answers for client errors */
    public readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsApiError';
  }
}

/** Throttling as each protocol says it: awsJson1_1 services answer 400, restJson1 Scheduler 429. */
export const throttlingError = (protocol: WireProtocol): AwsApiError =>
  new AwsApiError('ThrottlingException', 'Rate exceeded', protocol === 'restJson1' ? 429 : 400);

/** A 5xx: `InternalFailure` is the common awsJson1_1 error; Scheduler models `InternalServerException`. */
export const serverError = (protocol: WireProtocol, why = 'injected fault'): AwsApiError =>
  protocol === 'restJson1'
    ? new AwsApiError('InternalServerException', `Internal server error (${why})`, 500)
    : new AwsApiError('InternalFailure', `The request processing has failed (${why})`, 500);

export const unknownOperation = (operation: string): AwsApiError =>
  new AwsApiError('UnknownOperationException', `Operation ${operation} is not supported by the stand-in`);

const CONTENT_TYPE: Record<WireProtocol, string> = {
  awsJson1_1: 'application/x-amz-json-1.1',
  restJson1: 'application/json',
};

/** Bodies above this are refused; AWS's largest request Tollgate makes (PutEvents) is 256 KB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AwsApiError('SerializationException', 'request body too large', 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export type JsonObject = Record<string, unknown>;

/** Parses a JSON request body; an empty body is `{}` (GET and DELETE in restJson1 have none). */
export const parseJsonObject = (body: Buffer): JsonObject => {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsApiError('SerializationException', 'the request body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsApiError('SerializationException', 'the request body is not a JSON object');
  }
  return parsed as JsonObject;
};

export const sendJson = (
  response: ServerResponse,
  protocol: WireProtocol,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE[protocol],
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(text);
};

/**
 * The error shape both JSON protocols share: `__type` in the body and the `x-amzn-errortype` header (the
 * SDK reads either). `message` and `Message` both, because ECR/KMS/EventBridge model the first and
 * Scheduler the second.
 */
export const sendError = (response: ServerResponse, protocol: WireProtocol, error: AwsApiError): void =>
  sendJson(
    response,
    protocol,
    error.status,
    { __type: error.type, message: error.message, Message: error.message },
    { 'x-amzn-errortype': error.type },
  );

/** JSON 1.1 and restJson1 timestamps default to epoch seconds, fractions allowed. */
export const epochSeconds = (date: Date): number => date.getTime() / 1000;

/** EventBridge's envelope `time`: ISO 8601 to the second, as AWS writes it. */
export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
