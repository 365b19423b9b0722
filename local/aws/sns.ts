import { randomUUID } from 'node:crypto';
import type { StandInContext } from './context';
import { AwsApiError } from './protocol';
import type { QueryRequest, QueryService } from './query-protocol';

/** A message SNS accepted, as the stand-in recorded it. Nothing is delivered to subscribers. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  /** `Message` as sent: with `messageStructure: 'json'`, a JSON object of one text per protocol. */
  readonly message: string;
  readonly messageStructure?: 'json';
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
  /** ISO 8601, from the stand-in's clock. */
  readonly publishedAt: string;
}

export interface MessageAttribute {
  readonly dataType: string;
  readonly stringValue?: string;
  /** Base64, as it came over the wire. */
  readonly binaryValue?: string;
}

export interface SnsOptions {
  /**
   * Topic names that exist; Publish to any other answers `NotFound`, as SNS does.
   * @default every topic exists
   */
  readonly topics?: readonly string[];
}

/** SNS's limits, restated so a mistake in Tollgate's SnsAlertTopic shows locally. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_CHARS = 100;
const MAX_ATTRIBUTES = 10;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

/** SNS Publish to topics, recorded for tests instead of delivered; every other action is `InvalidAction`. */
export class SnsService {
  readonly #published: PublishedMessage[] = [];

  public constructor(
    private readonly context: StandInContext,
    private readonly options: SnsOptions = {},
  ) {}

  public published(): readonly PublishedMessage[] {
    return [...this.#published];
  }

  public service(): QueryService {
    return {
      name: 'sns',
      version: '2010-03-31',
      xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
      operations: { Publish: (request) => Promise.resolve(this.publish(request)) },
    };
  }

  private publish(request: QueryRequest): Record<string, string> {
    if (
      request.optionalString('TargetArn') !== undefined ||
      request.optionalString('PhoneNumber') !== undefined
    ) {
      throw invalid('the stand-in publishes to topics only (TopicArn)');
    }
    const topicArn = request.string('TopicArn');
    const topic = TOPIC_ARN.exec(topicArn)?.[1];
    if (topic === undefined) throw invalid('TopicArn');
    if (this.options.topics !== undefined && !this.options.topics.includes(topic)) {
      throw new AwsApiError('NotFound', 'Topic does not exist', 404);
    }
    const message = request.string('Message');
    const subject = request.optionalString('Subject');
    if (
      subject !== undefined &&
      (subject === '' || subject.length > MAX_SUBJECT_CHARS || !/^[\x20-\x7e]+$/.test(subject))
    ) {
      // SNS takes printable ASCII only, no line breaks: a subject is a mail header.
      throw invalid('Subject');
    }
    const structure = request.optionalString('MessageStructure');
    if (structure !== undefined && structure !== 'json') throw invalid('MessageStructure');
    if (structure === 'json') checkJsonStructure(message);
    const attributes = messageAttributes(request);
    const size =
      Buffer.byteLength(message) +
      Object.entries(attributes).reduce(
        (sum, [name, value]) =>
          sum +
          Buffer.byteLength(name) +
          Buffer.byteLength(value.dataType) +
          Buffer.byteLength(value.stringValue ?? value.binaryValue ?? ''),
        0,
      );
    if (size > MAX_MESSAGE_BYTES) throw invalid('Message too long');

    const messageId = randomUUID();
    this.#published.push({
      messageId,
      topicArn,
      ...(subject === undefined ? {} : { subject }),
      message,
      ...(structure === 'json' ? { messageStructure: 'json' as const } : {}),
      attributes,
      publishedAt: this.context.now().toISOString(),
    });
    this.context.log(
      `SNS message ${messageId} published to ${topic}${subject === undefined ? '' : `: ${subject}`}`,
    );
    return { MessageId: messageId };
  }
}

const invalid = (what: string): AwsApiError =>
  new AwsApiError('InvalidParameter', `Invalid parameter: ${what}`);

/** With `MessageStructure=json` the message is an object of strings, and `default` is required. */
const checkJsonStructure = (message: string): void => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  const record = parsed as Record<string, unknown>;
  if (typeof record.default !== 'string') {
    throw invalid('Message Structure - No default entry in JSON message body');
  }
  if (!Object.values(record).every((value) => typeof value === 'string')) {
    throw invalid('Message Structure - every protocol entry must be a string');
  }
};

const messageAttributes = (request: QueryRequest): Record<string, MessageAttribute> => {
  const out: Record<string, MessageAttribute> = {};
  const entries = request.map('MessageAttributes');
  if (entries.size > MAX_ATTRIBUTES) {
    throw invalid(`MessageAttributes: at most ${MAX_ATTRIBUTES} attributes`);
  }
  for (const [name, value] of entries) {
    const dataType = value.DataType;
    if (dataType === undefined || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw new AwsApiError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const binary = dataType.startsWith('Binary');
    const content = binary ? value.BinaryValue : value.StringValue;
    if (content === undefined || content === '') {
      // The reason SnsAlertTopic drops empty attributes before it publishes.
      throw new AwsApiError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    out[name] = binary ? { dataType, binaryValue: content } : { dataType, stringValue: content };
  }
  return out;
};
