/**
 * What the front does to one request. `reset-after` forwards it first and then drops the connection instead
 * of answering: the write happened, the caller never learns it (the fault that tests idempotency).
 */
export type ProxyFaultKind = 'throttle' | 'server' | 'reset' | 'reset-after' | 'latency';

/** How a throttle and a 5xx look: the status and body each protocol's clients recognise and retry. */
export type ProxyDialect = 'dynamodb' | 'registry';

export interface ProxyFaults {
  /** Probability (0 to 1) that a request gets a fault; which one is drawn evenly from `kinds`. @default 0 */
  readonly probability?: number;
  /** @default every kind */
  readonly kinds?: readonly ProxyFaultKind[];
  /** The delay a `latency` fault adds. @default 200 */
  readonly latencyMs?: number;
}

export const ALL_FAULT_KINDS: readonly ProxyFaultKind[] = [
  'throttle',
  'server',
  'reset',
  'reset-after',
  'latency',
];

export const noFaults = (): Record<ProxyFaultKind, number> => ({
  throttle: 0,
  server: 0,
  reset: 0,
  'reset-after': 0,
  latency: 0,
});

/** Draws whether this request gets a fault, and which. */
export const drawFault = (faults: ProxyFaults, random: () => number): ProxyFaultKind | undefined => {
  const probability = faults.probability ?? 0;
  if (probability <= 0 || random() >= probability) return undefined;
  const kinds = faults.kinds ?? ALL_FAULT_KINDS;
  return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))];
};

export interface CannedAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A throttle or a 5xx, in the shape the service's own clients parse and retry. */
export const faultAnswer = (dialect: ProxyDialect, fault: 'throttle' | 'server'): CannedAnswer => {
  if (dialect === 'dynamodb') {
    // The x-amz-json-1.0 error shapes DynamoDB sends; the SDK retries both (throttling with a longer backoff).
    const type =
      fault === 'throttle'
        ? 'com.amazonaws.dynamodb.v20120810#ThrottlingException'
        : 'com.amazonaws.dynamodb.v20120810#InternalServerError';
    return {
      status: fault === 'throttle' ? 400 : 500,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type.split('#')[1]! },
      body: JSON.stringify({ __type: type, message: `injected ${fault}` }),
    };
  }
  return ociError(
    fault === 'throttle' ? 429 : 503,
    fault === 'throttle' ? 'TOOMANYREQUESTS' : 'UNAVAILABLE',
    `injected ${fault}`,
  );
};

/** An OCI Distribution error answer: `{"errors":[{"code","message"}]}`. */
export const ociError = (status: number, code: string, message: string): CannedAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ errors: [{ code, message }] }),
});
