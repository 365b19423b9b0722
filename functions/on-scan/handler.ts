import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { TollgateError } from '../../shared/core/domain/errors';
import {
  parseEvent,
  type FindingEvent,
  type ImageScanEvent,
  type TollgateEvent,
} from '../../shared/core/events';
import { judgeImage, type JudgeDeps, type JudgeOutcome } from '../../shared/app/judge';
import { observability } from '../../shared/adapters/runtime';
import { countedPublisher } from '../../shared/adapters/runtime/counted-publisher';
import { emitVerdictMetric } from '../../shared/adapters/runtime/verdict-metrics';
import { scanAdapters } from './deps';

const { logger, metrics, tracer } = observability('on-scan');
let deps: JudgeDeps | undefined;

/** Forgets the adapters built for this container, so tests can change the environment between cases. */
export const resetAdapters = (): void => {
  deps = undefined;
};

/** What one invocation did, for logs and tests; Lambda discards it for asynchronous invocations. */
export type OnScanResult =
  | { readonly kind: 'malformed'; readonly code: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'judged'; readonly replay: boolean; readonly outcomes: readonly JudgeOutcome[] };

/**
 * `ECR Image Scan` (any status), `Inspector2 Scan` (INITIAL_SCAN_COMPLETE) and `Inspector2 Finding`
 * (ACTIVE) → a verdict. The logic lives in shared/app/judge; this is parsing, logging and metrics.
 */
export const onScan = async (raw: unknown): Promise<OnScanResult> => {
  let event: TollgateEvent;
  try {
    event = parseEvent(raw);
  } catch (error) {
    // A malformed event stays malformed however often it is retried: log the fields, count it, return.
    if (!(error instanceof TollgateError) || error.retryable) throw error;
    logger.error('malformed scan event', { error, code: error.code });
    metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
    return { kind: 'malformed', code: error.code };
  }
  if (deps === undefined) {
    const adapters = scanAdapters();
    // EventsPublished and EventsFailed come from the publisher, so a failed publish is counted too.
    deps = { ...adapters, publisher: countedPublisher(adapters.publisher, metrics) };
  }
  const replay = event.replayName !== undefined;
  if (replay) {
    // An archive replay is re-examined, never acted on: no write, no signing request, no alert.
    logger.info('replayed event: judging without effect', { replayName: event.replayName });
    metrics.addMetric('ReplayedEvents', MetricUnit.Count, 1);
  }
  switch (event.kind) {
    case 'image-scan':
      return { kind: 'judged', replay, outcomes: [await onImageScan(deps, event, replay)] };
    case 'finding':
      if (event.status !== 'ACTIVE') return ignored(`finding status ${event.status}`);
      return { kind: 'judged', replay, outcomes: await onFinding(deps, event, replay) };
    case 'image-action':
      // Routed to on-push, never here; a mis-wired rule must not start judging pushes.
      return ignored('ECR Image Action is handled by on-push');
  }
};

const onImageScan = async (
  deps: JudgeDeps,
  event: ImageScanEvent,
  replay: boolean,
): Promise<JudgeOutcome> => {
  logger.appendKeys({ repository: event.repository, digest: event.digest, correlationId: event.eventId });
  const outcome = await judgeImage(deps, event, event.eventId, {
    reportedStatus: event.status,
    dryRun: replay,
  });
  report(outcome, { scanner: event.scanner, status: event.status });
  return outcome;
};

const onFinding = async (deps: JudgeDeps, event: FindingEvent, replay: boolean): Promise<JudgeOutcome[]> => {
  const outcomes: JudgeOutcome[] = [];
  // Usually one image; Inspector may list several that share the vulnerable layer.
  for (const image of event.images) {
    logger.appendKeys({ repository: image.repository, digest: image.digest, correlationId: event.eventId });
    const outcome = await judgeImage(deps, image, event.eventId, {
      reportedFinding: event.finding,
      // The first verdict comes from the scan event; a finding only re-evaluates a judged image.
      onlyIfDecided: true,
      dryRun: replay,
    });
    report(outcome, { finding: event.finding.id, findingArn: event.findingArn });
    outcomes.push(outcome);
  }
  return outcomes;
};

const ignored = (reason: string): OnScanResult => {
  logger.info('event ignored', { reason });
  return { kind: 'ignored', reason };
};

const report = (outcome: JudgeOutcome, fields: Readonly<Record<string, unknown>>): void => {
  metrics.addMetric(`Judge_${outcome.kind}`, MetricUnit.Count, 1);
  switch (outcome.kind) {
    case 'unknown-image':
      // Nothing is created for it, and it is not retried: an image pushed before Tollgate was installed
      // would otherwise loop through retries. A scan that merely beat its push event is not lost:
      // on-push judges an ended scan itself once it has recorded the push.
      logger.info('image unknown to Tollgate: skipped', {
        ...fields,
        why: 'no record of this digest: pushed before Tollgate covered it, or its push is not recorded yet (on-push then judges this scan when it records the push)',
      });
      metrics.addMetric('UnknownImages', MetricUnit.Count, 1);
      break;
    case 'decided': {
      emitVerdictMetric(metrics, outcome);
      logger.info('verdict decided', {
        ...fields,
        verdict: outcome.verdict.outcome,
        blockingTotal: outcome.verdict.outcome === 'ERROR' ? 0 : outcome.verdict.blockingTotal,
        published: outcome.published,
        dryRun: outcome.dryRun,
      });
      break;
    }
    case 'waiting':
      logger.info('no decision yet', { ...fields, reason: outcome.reason, message: outcome.message });
      break;
    default:
      logger.info('nothing to do', { ...fields, outcome: outcome.kind });
  }
  if (outcome.index !== undefined) report(outcome.index, { ...fields, index: true });
};

export const handler = middy(onScan)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
