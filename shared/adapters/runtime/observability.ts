import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * The function's tracer when tracing is on (`tracingEnabled`), loaded with the X-Ray SDK during init;
   * undefined when it is off, and then neither is loaded at all.
   */
  readonly tracer: Promise<Tracer> | undefined;
}

/**
 * Powertools Tracer's own rule for tracing (Tracer#setTracingEnabled): on in a Lambda execution environment
 * unless POWERTOOLS_TRACE_ENABLED is `false`, off under SAM local, the Amplify mock, tests and the local stack.
 * Decided here so that when it is off the Tracer, and the X-Ray SDK it loads at import, are never loaded.
 */
export const tracingEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => {
  const executionEnv = env.AWS_EXECUTION_ENV ?? '';
  return (
    (env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false' &&
    executionEnv !== '' &&
    executionEnv !== 'AWS_Lambda_amplify-mock' &&
    (env.AWS_SAM_LOCAL ?? '') === ''
  );
};

const loadTracer = async (): Promise<Tracer> => {
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  return new Tracer({ serviceName: 'tollgate' });
};

/**
 * One logger, metrics and tracer per function. Namespace and service come from the environment the
 * construct sets (POWERTOOLS_*), so dashboards and alarms find the same names (docs/operations.md).
 */
export const observability = (functionName: string): Observability => ({
  logger: new Logger({ serviceName: 'tollgate', persistentKeys: { stage: functionName } }),
  metrics: new Metrics({
    namespace: 'Tollgate',
    serviceName: 'tollgate',
    defaultDimensions: { function: functionName },
  }),
  tracer: tracingEnabled() ? loadTracer() : undefined,
});

/** `client`, captured by the tracer when there is one (its calls become X-Ray subsegments). */
export const traced = <C>(tracer: Tracer | undefined, client: C): C =>
  tracer === undefined ? client : tracer.captureAWSv3Client(client);
