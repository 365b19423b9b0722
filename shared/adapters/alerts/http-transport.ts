import type { WebhookRequest, WebhookTransport } from '../../app/alerts/delivery';
import type { ReceiverResponse } from '../../core/alerts/receiver-answer';

export interface HttpTransportOptions {
  /** Per request, the answer's body included. @default 5000, as EventBridge gives an API destination */
  readonly timeoutMs?: number;
  /** Bytes of the answer read; the rest is dropped. @default 64 KiB */
  readonly maxResponseBytes?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs to a receiver with fetch: one deadline for the request and the answer, redirects not followed (a
 * receiver that moved is refused, as EventBridge refuses it, rather than sent the credential elsewhere), and
 * at most `maxResponseBytes` of the answer read, so a hostile or broken receiver cannot make notify hold
 * megabytes. Throws only when there is no answer at all.
 */
export class HttpWebhookTransport implements WebhookTransport {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #fetch: typeof fetch;

  public constructor(options: HttpTransportOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  public async post(request: WebhookRequest): Promise<ReceiverResponse> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const response = await this.#fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    const { text, truncated } = await readBounded(response, this.#maxBytes);
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      status: response.status,
      body: text,
      truncated,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  }
}

/** At most `max` bytes of the body, as UTF-8 text; the stream is cancelled past that. */
const readBounded = async (
  response: Response,
  max: number,
): Promise<{ readonly text: string; readonly truncated: boolean }> => {
  if (response.body === null) return { text: '', truncated: false };
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
};
