import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

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
  tracer: new Tracer({ serviceName: 'tollgate' }),
});
