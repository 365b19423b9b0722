import type { Background } from './background';
import type { EventEnvelope, RecordedEvent } from './event-envelope';

/** Receives every event put on any bus; the orchestrator routes it with the template's rules. */
export type EventListener = (busName: string, event: EventEnvelope) => void | Promise<void>;

/**
 * Every event any bus accepted, PutEvents and the stand-in's own (ECR, Inspector) alike. Delivery is
 * asynchronous, as EventBridge's is: the producer has its answer before any target runs, and a target that
 * throws never fails the producer.
 */
export class EventLog {
  readonly #recorded: RecordedEvent[] = [];
  readonly #lost: RecordedEvent[] = [];

  public constructor(
    private readonly background: Background,
    private readonly listener: EventListener | undefined,
    private readonly loses: (event: EventEnvelope) => boolean = () => false,
  ) {}

  public record(bus: string, event: EventEnvelope): void {
    // Only AWS's own events are best-effort; what a caller put with PutEvents was accepted and is delivered.
    if (event.source.startsWith('aws.') && this.loses(event)) {
      this.#lost.push({ bus, event });
      return;
    }
    this.#recorded.push({ bus, event });
    const listener = this.listener;
    if (listener === undefined) return;
    this.background.run(`delivering ${event['detail-type']} ${event.id} from bus ${bus}`, async () => {
      await listener(bus, event);
    });
  }

  public list(): readonly RecordedEvent[] {
    return [...this.#recorded];
  }

  /** The AWS events that were lost (`eventLoss`): never delivered, never in `list()`. */
  public lost(): readonly RecordedEvent[] {
    return [...this.#lost];
  }
}
