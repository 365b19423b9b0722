import { RegistryRequestError, RegistryUnavailableError } from './errors';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

/** One HTTP exchange. Network failures and timeouts become retryable errors; the status is left to the caller. */
export const send = async (
  fetchImpl: FetchLike,
  exchange: Exchange,
  timeoutMs: number,
): Promise<Response> => {
  try {
    return await fetchImpl(exchange.url, {
      method: exchange.method,
      headers: exchange.headers ?? {},
      ...(exchange.body === undefined ? {} : { body: new Uint8Array(exchange.body) }),
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new RegistryUnavailableError(`${exchange.method} ${exchange.url}: ${describe(error)}`, undefined, {
      cause: error,
    });
  }
};

/** Turns an unexpected status into the error the rest of Tollgate understands: 5xx/429 retryable, 4xx terminal. */
export const statusError = async (exchange: Exchange, response: Response): Promise<Error> => {
  const text = await response.text().catch(() => '');
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
