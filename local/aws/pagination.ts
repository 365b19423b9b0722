import { AwsApiError } from './protocol';

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

/**
 * Offset pagination behind an opaque token, as AWS's tokens are opaque: callers must loop on `nextToken`
 * and never guess. A token from another listing, or a forged one, is refused like AWS refuses it.
 */
export const paginate = <T>(
  items: readonly T[],
  options: {
    readonly maxResults: number | undefined;
    readonly nextToken: string | undefined;
    readonly defaultMax: number;
    readonly limit: number;
    readonly errorType: string;
  },
): Page<T> => {
  const max = options.maxResults ?? options.defaultMax;
  if (!Number.isInteger(max) || max < 1 || max > options.limit) {
    throw new AwsApiError(options.errorType, `maxResults must be between 1 and ${options.limit}`);
  }
  const start = options.nextToken === undefined ? 0 : decodeToken(options.nextToken, options.errorType);
  if (start > items.length) throw new AwsApiError(options.errorType, 'nextToken is invalid');
  const end = start + max;
  return end < items.length
    ? { items: items.slice(start, end), nextToken: encodeToken(end) }
    : { items: items.slice(start) };
};

const PREFIX = 'tollgate-stand-in:';

const encodeToken = (offset: number): string => Buffer.from(`${PREFIX}${offset}`).toString('base64');

const decodeToken = (token: string, errorType: string): number => {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const offset = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : Number.NaN;
  if (!Number.isInteger(offset) || offset < 0) throw new AwsApiError(errorType, 'nextToken is invalid');
  return offset;
};
