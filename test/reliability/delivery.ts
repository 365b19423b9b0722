import type { AsyncInvokeOutcome, LocalLambdaRuntime } from '../../local/lambda';

export interface HeldDelivery {
  readonly reference: string;
  readonly event: unknown;
}

/**
 * Stands where EventBridge and Scheduler hand events to Lambda: deliveries whose event names a held
 * repository are kept instead of run, so the test decides their order and how often each arrives.
 * The router and the scheduler are not touched; only the last hop is delayed, as a slow bus would.
 */
export class DeliveryControl {
  readonly #held: HeldDelivery[] = [];
  readonly #repositories = new Set<string>();
  readonly #deliver: (reference: string, event: unknown) => Promise<AsyncInvokeOutcome>;

  public constructor(runtime: LocalLambdaRuntime) {
    this.#deliver = runtime.invokeAsync.bind(runtime);
    runtime.invokeAsync = (reference, event) => {
      if (this.isHeld(event)) {
        this.#held.push({ reference, event });
        return Promise.resolve({ kind: 'succeeded', attempts: 0, result: 'held by the test' });
      }
      return this.#deliver(reference, event);
    };
  }

  public hold(repository: string): void {
    this.#repositories.add(repository);
  }

  /** Everything held so far, taken out of the hold. */
  public take(): HeldDelivery[] {
    return this.#held.splice(0);
  }

  public get heldCount(): number {
    return this.#held.length;
  }

  /** Hands the deliveries to Lambda in this order, without waiting for any of them. */
  public release(deliveries: readonly HeldDelivery[]): void {
    for (const delivery of deliveries) void this.#deliver(delivery.reference, delivery.event);
  }

  private isHeld(event: unknown): boolean {
    if (this.#repositories.size === 0) return false;
    const text = JSON.stringify(event);
    return [...this.#repositories].some((repository) => text.includes(`"${repository}"`));
  }
}

/** Each delivery `times` times, shuffled with `random`. */
export const repeatShuffled = <T>(items: readonly T[], times: number, random: () => number): T[] => {
  const copies = items.flatMap((item) => Array.from({ length: times }, () => item));
  for (let index = copies.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copies[index], copies[other]] = [copies[other]!, copies[index]!];
  }
  return copies;
};
