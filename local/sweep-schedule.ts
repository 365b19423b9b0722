import type { LocalLambdaRuntime } from './lambda';
import type { CfnTemplate, LocalDeployment, LocalFunction } from './template';

/** The handler the sweep runs; the template's rate() schedule targets its function. */
export const SWEEP_ENTRY = 'functions/reconcile/handler.ts';

export interface LocalSweep {
  /** One run, as the schedule would start it. */
  readonly run: () => Promise<unknown>;
  readonly stop: () => void;
}

/** The deployment's sweep function, when its template has one. */
export const sweepFunction = (deployment: LocalDeployment): LocalFunction | undefined =>
  deployment.functions.find((candidate) => candidate.entry === SWEEP_ENTRY);

/** `rate(N minutes)` (or hours) of the template's schedule that targets the sweep, in ms; undefined when none. */
export const sweepIntervalMs = (template: CfnTemplate): number | undefined => {
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
    const expression = (resource.Properties as { ScheduleExpression?: unknown } | undefined)
      ?.ScheduleExpression;
    const match =
      typeof expression === 'string' ? /^rate\((\d+) (minutes?|hours?)\)$/.exec(expression) : null;
    if (match !== null) return Number(match[1]) * (match[2]!.startsWith('hour') ? 3_600_000 : 60_000);
  }
  return undefined;
};

/**
 * EventBridge Scheduler's recurring schedule, which the stand-in does not fire: the sweep runs once soon after the
 * stack starts (so images already in the registry are judged, as on an install) and then every interval. One run at
 * a time, as its reserved concurrency of 1 makes it on AWS.
 */
export const scheduleSweep = (
  deployment: LocalDeployment,
  template: CfnTemplate,
  runtime: LocalLambdaRuntime,
  options: { readonly firstRunAfterMs?: number; readonly log: (line: string) => void },
): LocalSweep | undefined => {
  const fn = sweepFunction(deployment);
  const interval = sweepIntervalMs(template);
  if (fn === undefined || interval === undefined) return undefined;
  let running: Promise<unknown> | undefined;
  const run = (): Promise<unknown> => {
    running ??= runtime
      .invoke(fn.logicalId, { trigger: 'schedule' })
      .then((outcome) => {
        if (!outcome.ok)
          options.log(`sweep failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
        return outcome;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  // Without a first run of its own, the caller runs the first one (and may wait for it); the interval follows.
  const first =
    options.firstRunAfterMs === undefined ? undefined : setTimeout(() => void run(), options.firstRunAfterMs);
  const every = setInterval(() => void run(), interval);
  first?.unref();
  every.unref();
  return {
    run,
    stop: () => {
      clearTimeout(first);
      clearInterval(every);
    },
  };
};
