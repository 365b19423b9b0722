/**
 * The correlation id of a pipeline the sweep started (an image no event brought), so a record, a verdict event and
 * `tollgate status` can say how a decision came about.
 */
export const SWEEP_CORRELATION_PREFIX = 'tollgate-sweep:';

export type DecisionOrigin = 'event' | 'sweep';

export const sweepCorrelationId = (passStartedAt: string): string =>
  `${SWEEP_CORRELATION_PREFIX}${passStartedAt}`;

export const decisionOrigin = (correlationId: string | undefined): DecisionOrigin =>
  correlationId?.startsWith(SWEEP_CORRELATION_PREFIX) === true ? 'sweep' : 'event';
