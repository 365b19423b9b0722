import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import type { EventScope } from '../../core/config/event-scope';
import { EventValidationError, TollgateError } from '../../core/domain/errors';
import type { ImageScope } from '../../core/domain/image-scope';
import { buildsPerScope } from './builds-per-scope';
import { toValidationIssues } from '../../core/events';
import type { EventPublisher } from '../../app/ports/event-publisher';
import { countedPublisher } from './counted-publisher';
import { observability, type Observability } from './observability';

/** What a handler's body gets besides its input: the function's own logger and metrics, and the context. */
export interface Invocation<Deps> extends Observability {
  readonly deps: Deps;
  readonly context: Context;
}

export interface TollgateHandlerSpec<Input, Deps extends { readonly publisher: EventPublisher }, Result> {
  /** The function's name: the `function` dimension of its metrics and the `stage` of its logs. */
  readonly name: string;
  /** What the input is, for the log line of a malformed one ("malformed <what>"). */
  readonly what: string;
  /**
   * Reads the raw input. A non-retryable TollgateError it throws (EventValidationError, an unknown
   * detail-type) marks the input malformed; anything else propagates.
   */
  readonly parse: (raw: unknown) => Input;
  /**
   * What a malformed input becomes. Retrying cannot fix it, so most functions return (no DLQ churn);
   * `throw` sends it to the DLQ instead, for a function whose input is Tollgate's own events.
   */
  readonly malformed: ((error: TollgateError) => Result) | 'throw';
  /**
   * Builds the adapters, once per execution environment, on the first well-formed input. It may be async, so
   * that it imports the SDK clients it builds (`await import()`): their modules then load on the first
   * invocation, not during init, and only in the functions that reach them.
   */
  readonly adapters: (observability: Observability, scope?: ImageScope) => Deps | Promise<Deps>;
  /**
   * Whose image the input is about (shared/core/config/event-scope.ts), and what an input from outside becomes.
   * @default every input is the hub's
   */
  readonly scope?: {
    /**
     * The hub's, a spoke's (its adapters are then built for that account and region, once per environment, with
     * the spoke role's credentials), or one from outside the organization, refused without a call.
     */
    readonly of: (input: NoInfer<Input>) => EventScope;
    /** What a refused input becomes (logged and counted as `RefusedEvents`); retrying cannot change it. */
    readonly refused: (reason: string) => Result;
  };
  /** Log keys for the rest of the invocation. */
  readonly keys?: (input: NoInfer<Input>) => Readonly<Record<string, unknown>>;
  readonly run: (input: NoInfer<Input>, invocation: Invocation<NoInfer<Deps>>) => Promise<Result>;
}

export interface TollgateHandler<Result> {
  readonly handler: (event: unknown, context: Context) => Promise<Result>;
  /** Forgets the adapters built for this environment, so a test can start each case from a cold one. */
  readonly reset: () => void;
}

/** A zod schema as a `parse`, with the issues named the way every Tollgate error names fields. */
export const parseWithSchema =
  <T>(schema: z.ZodType<T>) =>
  (raw: unknown): T => {
    const result = schema.safeParse(raw);
    if (!result.success)
      throw new EventValidationError(toValidationIssues(result.error), { cause: result.error });
    return result.data;
  };

/** captureLambdaHandler over a tracer still loading: it is awaited (once loaded, at once) on each phase. */
const tracing = (tracer: Promise<Tracer>): MiddlewareObj => {
  const middleware = tracer.then(captureLambdaHandler);
  return {
    before: async (request) => (await middleware).before?.(request),
    after: async (request) => (await middleware).after?.(request),
    onError: async (request) => (await middleware).onError?.(request),
  };
};

/**
 * The one shape every Tollgate function has: middy with tracing, the Lambda context in the logs and
 * metrics flushed; the input parsed, a malformed one logged as a typed error and counted
 * (`MalformedEvents`); the adapters built lazily with the publisher counted (`EventsPublished`,
 * `EventsFailed`). What remains in a handler is wiring.
 */
export const tollgateHandler = <Input, Deps extends { readonly publisher: EventPublisher }, Result>(
  spec: TollgateHandlerSpec<Input, Deps, Result>,
): TollgateHandler<Result> => {
  const tools = observability(spec.name);
  const { logger, metrics, tracer } = tools;
  // The adapters, once per environment and scope (the hub's, or a spoke's account and region).
  const deps = buildsPerScope(async (scope): Promise<Deps> => {
    const built = await spec.adapters(tools, scope);
    return { ...built, publisher: countedPublisher(built.publisher, metrics) };
  });

  const body = async (raw: unknown, context: Context): Promise<Result> => {
    let input: Input;
    try {
      input = spec.parse(raw);
    } catch (error) {
      if (!(error instanceof TollgateError) || error.retryable) throw error;
      const issues = error instanceof EventValidationError ? { issues: error.issues } : {};
      logger.error(`malformed ${spec.what}`, { error, code: error.code, ...issues });
      metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
      if (spec.malformed === 'throw') throw error;
      return spec.malformed(error);
    }
    if (spec.keys !== undefined) logger.appendKeys(spec.keys(input));
    const where: EventScope = spec.scope?.of(input) ?? { kind: 'hub' };
    if (where.kind === 'outside' && spec.scope !== undefined) {
      logger.warn(`${spec.what} refused`, { reason: where.reason });
      metrics.addMetric('RefusedEvents', MetricUnit.Count, 1);
      return spec.scope.refused(where.reason);
    }
    const scope = where.kind === 'spoke' ? where.scope : undefined;
    if (scope !== undefined) logger.appendKeys({ account: scope.account, region: scope.region });
    return spec.run(input, { ...tools, deps: await deps.get(scope), context });
  };

  // Traced only when tracing is on: otherwise the Tracer, and the X-Ray SDK under it, are never loaded.
  const chain = middy(body);
  if (tracer !== undefined) chain.use(tracing(tracer));
  const handler = chain.use(injectLambdaContext(logger, { resetKeys: true })).use(logMetrics(metrics));
  return {
    handler,
    reset: () => {
      deps.clear();
    },
  };
};
