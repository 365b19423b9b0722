import type {
  AlertTopic,
  ReceiverResponse,
  SecretSource,
  TopicMessage,
  WebhookRequest,
  WebhookTransport,
} from '../../shared/app/alerts';

/**
 * The WebhookTransport port: every request recorded, each answered by `answer` (by default HTTP 200 `{"ok":true}`),
 * or with no answer at all when it throws.
 */
export class RecordingTransport implements WebhookTransport {
  public readonly requests: WebhookRequest[] = [];

  public constructor(
    private readonly answer: (request: WebhookRequest) => ReceiverResponse = () => ({
      status: 200,
      body: '{"ok":true}',
      truncated: false,
    }),
  ) {}

  public post(request: WebhookRequest): Promise<ReceiverResponse> {
    this.requests.push(request);
    try {
      return Promise.resolve(this.answer(request));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The JSON bodies sent, in order. */
  public bodies(): Record<string, unknown>[] {
    return this.requests.map((request) => JSON.parse(request.body) as Record<string, unknown>);
  }
}

/** The SecretSource port over a fixed map; an unknown name throws, as Secrets Manager's ResourceNotFound. */
export const staticSecrets = (secrets: Readonly<Record<string, string>>): SecretSource => ({
  secret: (name) =>
    Object.hasOwn(secrets, name)
      ? Promise.resolve(secrets[name]!)
      : Promise.reject(new Error(`ResourceNotFoundException: ${name}`)),
});

/** The AlertTopic port, keeping what was published. */
export class RecordingTopic implements AlertTopic {
  public readonly published: TopicMessage[] = [];

  public publish(message: TopicMessage): Promise<void> {
    this.published.push(message);
    return Promise.resolve();
  }
}
