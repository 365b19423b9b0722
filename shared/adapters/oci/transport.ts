import { TollgateError } from '../../core/domain';
import { currentDeadline } from '../../app/registry/deadline';
import {
  RegistryRequestError,
  RegistryResponseTooLargeError,
  RegistryTimeoutError,
  RegistryUnavailableError,
} from '../../core/oci/errors';
import { formatBytes, MAX_ERROR_BODY_BYTES } from '../../core/oci/limits';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

/**
 * One HTTP exchange. Network failures and timeouts become retryable errors naming the URL; the status is left to the
 * caller. `timeoutMs` bounds the whole exchange, body included (fetch's signal also aborts the body stream), and so
 * does the deadline of the verification the call runs in (`withDeadline`), whichever comes first.
 */
export const send = async (
  fetchImpl: FetchLike,
  exchange: Exchange,
  timeoutMs: number,
): Promise<Response> => {
  const deadline = currentDeadline();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await fetchImpl(exchange.url, {
      method: exchange.method,
      // identity: a registry has no reason to compress manifests or blobs (layers are compressed already), and a
      // compressed body would be decompressed by fetch. One that compresses anyway is still bounded: readBody counts
      // the decompressed bytes, and fetch only inflates as fast as they are read.
      headers: { 'Accept-Encoding': 'identity', ...exchange.headers },
      ...(exchange.body === undefined ? {} : { body: new Uint8Array(exchange.body) }),
      redirect: 'follow',
      signal: deadline === undefined ? timeout : AbortSignal.any([timeout, deadline.signal]),
    });
  } catch (error) {
    throw transportFailure(exchange, error, timeoutMs);
  }
};

export interface BodyLimit {
  readonly maxBytes: number;
  /** Named in the error, e.g. `manifests`. */
  readonly what: string;
}

/**
 * Reads a response body, never more than `limit.maxBytes`: a declared Content-Length over the limit is refused
 * before reading, and the stream is cancelled (the connection dropped) as soon as the bytes pass it, so an endless
 * or enormous body costs at most the limit plus one chunk.
 * @throws RegistryResponseTooLargeError (terminal), RegistryTimeoutError or RegistryUnavailableError (retryable)
 */
export const readBody = async (
  exchange: Exchange,
  response: Response,
  limit: BodyLimit,
  timeoutMs: number,
): Promise<Buffer> => {
  const tooLarge = (detail: string): RegistryResponseTooLargeError =>
    new RegistryResponseTooLargeError(
      `${exchange.method} ${exchange.url}: ${detail}, over the ${formatBytes(limit.maxBytes)} limit for ${limit.what}; not read`,
      exchange.url,
      limit.maxBytes,
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const encoding = response.headers.get('content-encoding');
  // Content-Length counts encoded bytes; it is the body's own size only without a content coding.
  if ((encoding === null || encoding === 'identity') && declared > limit.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(`Content-Length is ${declared} bytes`);
  }
  if (response.body === null) return Buffer.alloc(0);
  // fetch bodies are byte streams; the global Response type leaves the chunk type open.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(`the body passed ${limit.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw transportFailure(exchange, error, timeoutMs);
  }
  return Buffer.concat(chunks, total);
};

/** The first `maxBytes` of a body, for messages; the rest is not read. Never throws. */
const readPrefix = async (response: Response, maxBytes: number): Promise<string> => {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
    await reader.cancel().catch(() => undefined);
  } catch {
    // A body that breaks off is only a message we do not get.
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
};

const transportFailure = (exchange: Exchange, error: unknown, timeoutMs: number): Error => {
  const where = `${exchange.method} ${exchange.url}`;
  const deadline = currentDeadline();
  if (deadline?.signal.aborted === true) {
    return new RegistryTimeoutError(
      `${where}: no complete answer before the verification's deadline of ${deadline.timeoutMs} ms`,
      exchange.url,
      deadline.timeoutMs,
      'deadline',
      { cause: error },
    );
  }
  // By name: fetch rejects with the signal's DOMException, which is not always an `Error` of this realm.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') {
    return new RegistryTimeoutError(
      `${where}: no complete answer within ${timeoutMs} ms`,
      exchange.url,
      timeoutMs,
      'request',
      { cause: error },
    );
  }
  return new RegistryUnavailableError(`${where}: ${describe(error)}`, undefined, { cause: error });
};

/** Turns an unexpected status into the error the rest of Tollgate understands: 5xx/429 retryable, 4xx terminal. */
export const statusError = async (exchange: Exchange, response: Response): Promise<Error> => {
  // A hostile registry's error page can be endless: only its beginning is read, and that is all a message needs.
  const text = await readPrefix(response, MAX_ERROR_BODY_BYTES);
  const codes = registryErrorCodes(text);
  const detail = codes.length > 0 ? ` (${codes.join(', ')})` : text ? `: ${text.slice(0, 200).trim()}` : '';
  const message = `${exchange.method} ${exchange.url} answered ${response.status}${detail}`;
  if (response.status === 429 || response.status >= 500)
    return new RegistryUnavailableError(message, response.status);
  return new RegistryRequestError(message, response.status, codes);
};

const registryErrorCodes = (text: string): string[] => {
  try {
    const body = JSON.parse(text) as { errors?: { code?: unknown }[] };
    return (body.errors ?? [])
      .map((error) => error.code)
      .filter((code): code is string => typeof code === 'string');
  } catch {
    return [];
  }
};

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
};
