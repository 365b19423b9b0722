import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AwsApiError } from './protocol';

/**
 * The AWS Query protocol (SNS, as @aws-sdk/client-sns 3.11xx still speaks it): a form-encoded POST to `/`
 * with `Action` and `Version`, answered with XML. Lists and maps are flattened into numbered keys
 * (`MessageAttributes.entry.1.Name`), which `QueryRequest` reads back into structures.
 */
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** One operation: reads the form, returns the members of `<ActionResult>` (already XML), or throws AwsApiError. */
export type QueryOperation = (request: QueryRequest) => Promise<Readonly<Record<string, string>>>;

/** A service on the Query protocol, told apart from others by its API `Version`. */
export interface QueryService {
  /** The prefix of call counts and fault keys, as in IAM actions: `sns`. */
  readonly name: 'sns';
  readonly version: string;
  /** The namespace of every response and error document. */
  readonly xmlns: string;
  readonly operations: Readonly<Record<string, QueryOperation>>;
}

export class QueryRequest {
  public constructor(private readonly form: URLSearchParams) {}

  public optionalString(name: string): string | undefined {
    return this.form.get(name) ?? undefined;
  }

  /** A required member: SNS answers a missing one with `InvalidParameter`. */
  public string(name: string, errorType = 'InvalidParameter'): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') {
      throw new AwsApiError(errorType, `Invalid parameter: ${name} Reason: must be specified`);
    }
    return value;
  }

  /**
   * A map member, flattened as `<name>.entry.N.Name` and `<name>.entry.N.Value.<member>`. Entries are
   * read in index order; each value is the record of its members.
   */
  public map(name: string): Map<string, Readonly<Record<string, string>>> {
    const entries = new Map<number, { key?: string; value: Record<string, string> }>();
    const prefix = `${name}.entry.`;
    for (const [key, value] of this.form) {
      if (!key.startsWith(prefix)) continue;
      const match = /^(\d+)\.(Name|Key|Value)(?:\.(.+))?$/.exec(key.slice(prefix.length));
      if (match === null) continue;
      const index = Number(match[1]);
      const entry = entries.get(index) ?? { value: {} };
      if (match[2] === 'Value') entry.value[match[3] ?? ''] = value;
      else entry.key = value;
      entries.set(index, entry);
    }
    const out = new Map<string, Readonly<Record<string, string>>>();
    for (const [, entry] of [...entries].sort(([a], [b]) => a - b)) {
      if (entry.key !== undefined) out.set(entry.key, entry.value);
    }
    return out;
  }
}

export const parseForm = (body: Buffer): URLSearchParams => new URLSearchParams(body.toString('utf8'));

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>`. */
export const sendQueryResult = (
  response: ServerResponse,
  service: QueryService,
  action: string,
  result: Readonly<Record<string, string>>,
): void => {
  const requestId = randomUUID();
  const members = Object.entries(result)
    .map(([name, value]) => `<${name}>${xmlText(value)}</${name}>`)
    .join('');
  sendXml(
    response,
    200,
    requestId,
    `<${action}Response xmlns="${service.xmlns}"><${action}Result>${members}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
};

/**
 * The Query error document. `Type` is `Sender` for client errors and `Receiver` for 5xx; the SDK maps
 * `Code` to its modelled exception class (`InvalidParameter` → InvalidParameterException, ...).
 */
export const sendQueryError = (response: ServerResponse, xmlns: string, error: AwsApiError): void => {
  const requestId = randomUUID();
  sendXml(
    response,
    error.status,
    requestId,
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${xmlText(error.type)}</Code><Message>${xmlText(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
};

/** What every Query service answers for an action it does not have. */
export const invalidAction = (action: string): AwsApiError =>
  new AwsApiError('InvalidAction', `The action ${action} is not valid for this web service.`);

/** Query services answer throttling with their own code; SNS says `Throttled` with 429. */
export const queryThrottled = (): AwsApiError => new AwsApiError('Throttled', 'Rate exceeded', 429);

export const queryServerError = (why = 'injected fault'): AwsApiError =>
  new AwsApiError('InternalError', `The request processing has failed (${why})`, 500);

const sendXml = (response: ServerResponse, status: number, requestId: string, document: string): void => {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${document}`;
  response.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  response.end(text);
};

const xmlText = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
