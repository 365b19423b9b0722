import { ApiDestinationCaller, type ApiDeliveryOptions, type ApiDeliveryOutcome } from './api-destination';
import { matchesEventPattern } from './event-pattern';
import type { LocalLambdaRuntime } from './lambda';
import { targetPayload } from './target-input';
import type { LocalDeployment, LocalRule, LocalRuleTarget } from './template';

/** One rule target an event reached, and what happened to it. */
export interface RoutedTarget {
  readonly rule: string;
  readonly target: string;
  /** The function invoked; absent when the target is not a function of the template. */
  readonly functionName?: string;
  /**
   * `invoked` (a function), `api-destination` (an HTTP call, under way), or why nothing ran: the target
   * is neither, or the function has no handler source to run.
   */
  readonly delivery: 'invoked' | 'api-destination' | 'not-a-function' | 'not-built';
  /** For an API destination: settles when the call succeeded, or its retries ran out. Never rejects. */
  readonly outcome?: Promise<ApiDeliveryOutcome>;
}

export interface EventRouterOptions {
  /** How API destinations are called (retry delays, secrets). */
  readonly apiDestinations?: ApiDeliveryOptions;
  /** One line per finished API destination call. @default discarded */
  readonly log?: (line: string) => void;
}

export interface RoutedEvent {
  readonly busName: string;
  readonly event: unknown;
  readonly targets: readonly RoutedTarget[];
}

/**
 * EventBridge's part locally: an event put on a bus goes to the targets of every enabled rule on that bus
 * whose pattern (from the template) matches: a function is invoked asynchronously like Lambda's `Event`
 * type, an API destination is called over HTTP with EventBridge's retries.
 */
export class EventRouter {
  readonly #caller: ApiDestinationCaller;
  readonly #inFlight = new Set<Promise<unknown>>();

  public constructor(
    private readonly deployment: LocalDeployment,
    private readonly runtime: LocalLambdaRuntime,
    private readonly options: EventRouterOptions = {},
  ) {
    this.#caller = new ApiDestinationCaller(options.apiDestinations);
  }

  /** Resolves when no API destination call is under way (functions: `runtime.idle()`). */
  public async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  public route(busName: string, event: unknown): RoutedEvent {
    const targets: RoutedTarget[] = [];
    for (const rule of this.deployment.rules) {
      if (!rule.enabled || rule.busName !== busName || !matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) targets.push(this.deliver(rule, target, event));
    }
    return { busName, event, targets };
  }

  /** An EventBridge Scheduler schedule came due: its target gets its `Input`, parsed as the event. */
  public schedule(targetArn: string, input: string | undefined): RoutedTarget {
    const fn = this.runtime.find(targetArn);
    if (fn === undefined) {
      return { rule: 'schedule', target: targetArn, delivery: 'not-built' };
    }
    void this.runtime.invokeAsync(targetArn, input === undefined ? {} : (JSON.parse(input) as unknown));
    return { rule: 'schedule', target: targetArn, functionName: fn.functionName, delivery: 'invoked' };
  }

  private deliver(rule: LocalRule, target: LocalRuleTarget, event: unknown): RoutedTarget {
    const base = { rule: rule.logicalId, target: target.arn };
    if (target.apiDestination !== undefined) {
      const outcome = this.call({ ...target, apiDestination: target.apiDestination }, event);
      return { ...base, delivery: 'api-destination', outcome };
    }
    if (target.functionLogicalId === undefined) return { ...base, delivery: 'not-a-function' };
    const fn = this.runtime.find(target.functionLogicalId);
    if (fn === undefined) return { ...base, delivery: 'not-built' };
    void this.runtime.invokeAsync(fn.logicalId, targetPayload(target.input, event));
    return { ...base, functionName: fn.functionName, delivery: 'invoked' };
  }

  private call(
    target: LocalRuleTarget & { readonly apiDestination: NonNullable<LocalRuleTarget['apiDestination']> },
    event: unknown,
  ): Promise<ApiDeliveryOutcome> {
    const outcome = (async () => {
      let payload: unknown;
      try {
        payload = targetPayload(target.input, event);
      } catch (error) {
        return {
          kind: 'dead-letter' as const,
          destination: target.apiDestination.arn,
          attempts: 0,
          reason: `input: ${(error as Error).message}`,
          ...(target.deadLetterArn === undefined ? {} : { deadLetterArn: target.deadLetterArn }),
        };
      }
      return this.#caller.deliver(target, payload);
    })();
    this.#inFlight.add(outcome);
    void outcome.then((result) => {
      this.#inFlight.delete(outcome);
      this.options.log?.(describeOutcome(target.apiDestination.logicalId, result));
    });
    return outcome;
  }
}

const describeOutcome = (name: string, outcome: ApiDeliveryOutcome): string =>
  outcome.kind === 'delivered'
    ? `  API destination ${name}: ${outcome.request.method} ${outcome.request.url} → ${outcome.status}` +
      (outcome.attempts > 1 ? ` (attempt ${outcome.attempts})` : '')
    : `  API destination ${name} gave up after ${outcome.attempts} attempts (${outcome.reason}) → dead letter ` +
      (outcome.deadLetterArn ?? '(no dead-letter queue: dropped)');
