import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { EventValidationError } from '../../shared/core/domain/errors';
import { ecrImageActionEventSchema, normalizeImageActionEvent } from '../../shared/core/events';
import { judgeImage, type JudgeOutcome } from '../../shared/app/judge';
import type { ImageKeyParts } from '../../shared/app/ports';
import { handlePush, type OnceKey, type PushOutcome } from '../../shared/app/push';
import { observability, requireEnv } from '../../shared/adapters/runtime';
import { ON_PUSH_ENV, pushAdapters, type PushAdapters } from './deps';
import { parseIssues } from './parse-issues';
import { countedPublisher } from '../../shared/adapters/runtime/counted-publisher';
import { emitVerdictMetrics } from '../../shared/adapters/runtime/verdict-metrics';

const { logger, metrics, tracer } = observability('on-push');

type RawEvent = z.output<typeof ecrImageActionEventSchema>;
export type OnPushResult = PushOutcome['kind'] | 'malformed';

/**
 * Idempotency covers the steps that must happen once, not the whole event: the once-per-image part
 * (immutability, scan, timeout schedule) and each tag check, keyed on `repository@digest`, when the
 * image's record was created, and the step (`OnceKey`). A second tag for the same digest is a different
 * event that must still be recorded and checked against the tag rules, but must not start a second
 * pipeline; recording the tag itself is idempotent already (a conditional write that adds it once).
 * Not keyed on the event id either: ECR can report the same push twice under two ids.
 */
const idempotency = new IdempotencyConfig({
  eventKeyJmesPath: '[repository, digest, since, step]',
  // Long enough to cover EventBridge and Lambda retries; the scan timeout ends every pipeline sooner.
  expiresAfterSeconds: 24 * 60 * 60,
});

type Step = (key: OnceKey, run: () => Promise<object>) => Promise<object>;

let adapters: PushAdapters | undefined;
let idempotent: Step | undefined;

/** Tests start each case from a cold container. */
export const resetAdapters = (): void => {
  adapters = undefined;
  idempotent = undefined;
};

// The key is the first argument (what is hashed); the second is the work, which is not data.
const runStep: Step = (_key, run) => run();

const once = <T extends object>(key: OnceKey, run: () => Promise<T>): Promise<T> => {
  idempotent ??= makeIdempotent(runStep, {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: requireEnv(ON_PUSH_ENV.idempotencyTable) }),
    config: idempotency,
    dataIndexArgument: 0,
  });
  // What the first run returned, JSON round-tripped by the persistence layer: the same shape.
  return idempotent(key, run) as Promise<T>;
};

const onPush = async (result: ParsedResult<unknown, RawEvent>, context: Context): Promise<OnPushResult> => {
  if (!result.success) {
    // Retrying a malformed event cannot fix it: log what is wrong, count it, and return (no DLQ churn).
    const error = new EventValidationError(parseIssues(result.error), { cause: result.error });
    logger.error('malformed ECR Image Action event', { error, issues: error.issues });
    metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
    return 'malformed';
  }
  idempotency.registerLambdaContext(context);
  const event = normalizeImageActionEvent(result.data);
  logger.appendKeys({ repository: event.repository, digest: event.digest, correlationId: event.eventId });
  if (adapters === undefined) {
    const built = pushAdapters();
    // EventsPublished and EventsFailed come from the publisher, so a failed publish is counted too.
    const publisher = countedPublisher(built.publisher, metrics);
    adapters = { ...built, publisher, judging: { ...built.judging, publisher } };
  }
  const { judging, ...ports } = adapters;
  const judge = async (image: ImageKeyParts, correlationId?: string): Promise<JudgeOutcome> => {
    const judged = await judgeImage(judging, image, correlationId);
    emitVerdictMetrics(metrics, judged);
    return judged;
  };
  const outcome = await handlePush(
    { ...ports, judge, log: (message, fields) => logger.info(message, { ...fields }), once },
    event,
  );
  metrics.addMetric(`Push_${outcome.kind}`, MetricUnit.Count, 1);
  if (outcome.kind === 'ignored') {
    logger.debug('push ignored', { reason: outcome.reason });
  } else {
    logger.info('push handled', {
      outcome: outcome.kind,
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
      ...(outcome.kind === 'recorded' ? { created: outcome.created, start: outcome.start } : {}),
    });
  }
  return outcome.kind;
};

export const handler = middy(onPush)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(parser({ schema: ecrImageActionEventSchema, safeParse: true }));
