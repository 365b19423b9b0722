import { DYNAMIC_REFERENCE, type LocalApiDestination, type TargetHttpParameters } from './template';

/**
 * A Secrets Manager secret by name (and JSON key, when the reference names one): the local stack looks it up
 * in the stand-in's secrets. Undefined: not known locally, and the call is not made, as EventBridge cannot
 * authorize a connection whose secret is missing.
 */
export type SecretLookup = (name: string) => string | undefined;

export interface ApiDeliveryOptions {
  /** Wait before retry `attempt` (1, 2, ...). @default 100 ms × attempt, at most 1 s: EventBridge waits minutes */
  readonly retryDelayMs?: (attempt: number) => number;
  /** @default no secrets: a connection that refers to one cannot call */
  readonly secrets?: SecretLookup;
  /** EventBridge gives an endpoint 5 seconds. @default 5000 */
  readonly timeoutMs?: number;
}

/** The request as it was sent, for tests and the progress log. */
export interface ApiRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type ApiDeliveryOutcome =
  | {
      readonly kind: 'delivered';
      readonly destination: string;
      readonly status: number;
      readonly attempts: number;
      readonly request: ApiRequest;
    }
  | {
      readonly kind: 'dead-letter';
      readonly destination: string;
      readonly attempts: number;
      readonly reason: string;
      /** Absent when the target has no DeadLetterConfig: EventBridge then drops the event. */
      readonly deadLetterArn?: string;
    };

export interface ApiTarget {
  readonly apiDestination: LocalApiDestination & { readonly http: TargetHttpParameters };
  readonly maximumRetryAttempts: number;
  readonly deadLetterArn?: string;
}

/** What EventBridge sends with every API destination call. */
const USER_AGENT = 'Amazon/EventBridge/ApiDestinations';

/** EventBridge retries these, and every network failure or timeout; any other status is final. */
const isRetryable = (status: number): boolean => [401, 407, 409, 429].includes(status) || status >= 500;

/**
 * EventBridge's API destination delivery: the (input-transformed) event as the HTTP body, the connection's
 * authorization and parameters added, retried on 401/407/409/429/5xx and network errors up to the target's
 * `MaximumRetryAttempts`, then sent to its dead-letter queue (recorded in the outcome). Calls to one
 * destination are spaced by its `InvocationRateLimitPerSecond`, as EventBridge queues them.
 */
export class ApiDestinationCaller {
  readonly #nextSlot = new Map<string, number>();
  readonly #retryDelayMs: (attempt: number) => number;

  public constructor(private readonly options: ApiDeliveryOptions = {}) {
    this.#retryDelayMs = options.retryDelayMs ?? ((attempt) => Math.min(1000, 100 * attempt));
  }

  public async deliver(target: ApiTarget, payload: unknown): Promise<ApiDeliveryOutcome> {
    const destination = target.apiDestination;
    const deadLetter = (attempts: number, reason: string): ApiDeliveryOutcome => ({
      kind: 'dead-letter',
      destination: destination.arn,
      attempts,
      reason,
      ...(target.deadLetterArn === undefined ? {} : { deadLetterArn: target.deadLetterArn }),
    });
    if (destination.connection.unsupported !== undefined) {
      return deadLetter(0, destination.connection.unsupported);
    }
    let request: ApiRequest;
    try {
      request = this.request(destination, payload);
    } catch (error) {
      return deadLetter(0, (error as Error).message);
    }
    let reason = '';
    const attempts = 1 + Math.max(0, target.maximumRetryAttempts);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(this.#retryDelayMs(attempt - 1));
      await this.slot(destination);
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        // Read to the end so the connection is released; the body is not used.
        await response.arrayBuffer().catch(() => undefined);
        if (response.status >= 200 && response.status < 300) {
          return {
            kind: 'delivered',
            destination: destination.arn,
            status: response.status,
            attempts: attempt,
            request,
          };
        }
        reason = `HTTP ${response.status}`;
        if (!isRetryable(response.status)) return deadLetter(attempt, `${reason} (not retried)`);
      } catch (error) {
        reason = (error as Error).message;
      }
    }
    return deadLetter(attempts, reason);
  }

  private request(
    destination: LocalApiDestination & { readonly http: TargetHttpParameters },
    payload: unknown,
  ): ApiRequest {
    const connection = destination.connection;
    const resolve = (value: string): string => this.resolveSecrets(value);
    let endpoint = destination.endpoint;
    for (const value of destination.http.pathParameters)
      endpoint = endpoint.replace('*', encodeURIComponent(value));
    const url = new URL(endpoint);
    for (const [key, value] of Object.entries({
      ...connection.queryParameters,
      ...destination.http.queryParameters,
    })) {
      url.searchParams.set(key, resolve(value));
    }
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': USER_AGENT,
      ...Object.fromEntries(Object.entries(destination.http.headers).map(([k, v]) => [k, resolve(v)])),
      // The connection's own headers (its authorization) take precedence over the target's, as in EventBridge.
      ...Object.fromEntries(Object.entries(connection.headers).map(([k, v]) => [k, resolve(v)])),
    };
    if (connection.basic !== undefined) {
      const pair = `${resolve(connection.basic.username)}:${resolve(connection.basic.password)}`;
      headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    return {
      url: url.toString(),
      method: destination.httpMethod,
      headers,
      // A payload that is not JSON (an input template of plain text) is sent as it is.
      body: typeof payload === 'string' ? payload : JSON.stringify(payload ?? null),
    };
  }

  /** Replaces `{{resolve:secretsmanager:...}}` with the secret, or throws: no call without its credentials. */
  private resolveSecrets(value: string): string {
    return value.replace(
      new RegExp(DYNAMIC_REFERENCE.source, 'g'),
      (_reference, name: string, jsonKey: string | undefined) => {
        const secret = this.options.secrets?.(name);
        if (secret === undefined) {
          throw new Error(
            `the connection's secret ${name} is not among the stand-in's Secrets Manager secrets (its secrets option)`,
          );
        }
        if (jsonKey === undefined || jsonKey === '') return secret;
        const field = (JSON.parse(secret) as Record<string, unknown>)[jsonKey];
        if (typeof field !== 'string') throw new Error(`the secret ${name} has no string key ${jsonKey}`);
        return field;
      },
    );
  }

  /** Waits for the destination's next free slot under its rate limit. */
  private async slot(destination: LocalApiDestination): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#nextSlot.get(destination.arn) ?? 0);
    this.#nextSlot.set(destination.arn, at + 1000 / Math.max(1, destination.rateLimitPerSecond));
    if (at > now) await sleep(at - now);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
