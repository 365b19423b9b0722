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
  /** `invoked`, or why not: the target is no function, or the function has no handler source to run. */
  readonly delivery: 'invoked' | 'not-a-function' | 'not-built';
}

export interface RoutedEvent {
  readonly busName: string;
  readonly event: unknown;
  readonly targets: readonly RoutedTarget[];
}

/**
 * EventBridge's part locally: an event put on a bus goes to the targets of every enabled rule on that bus
 * whose pattern (from the template) matches, each invoked asynchronously like Lambda's `Event` type.
 */
export class EventRouter {
  public constructor(
    private readonly deployment: LocalDeployment,
    private readonly runtime: LocalLambdaRuntime,
  ) {}

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
    if (target.functionLogicalId === undefined) return { ...base, delivery: 'not-a-function' };
    const fn = this.runtime.find(target.functionLogicalId);
    if (fn === undefined) return { ...base, delivery: 'not-built' };
    void this.runtime.invokeAsync(fn.logicalId, targetPayload(target.input, event));
    return { ...base, functionName: fn.functionName, delivery: 'invoked' };
  }
}
