import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { EventValidationError, isRetryable } from '../../shared/core/domain/errors';
import {
  signingRequestedEventSchema,
  toValidationIssues,
  type SigningRequestedDetail,
} from '../../shared/core/events';
import { rejudge } from '../../shared/app/judge/rejudge';
import { observability } from '../../shared/adapters/runtime';
import { countedPublisher } from '../../shared/adapters/runtime/counted-publisher';
// By file, for the reason given in deps.ts.
import { removeRevokedSignatures } from '../../shared/app/signing/remove-revoked';
import { signApproved } from '../../shared/app/signing/sign-approved';
import { signAdapters, type SignFunctionDeps } from './deps';

const { logger, metrics, tracer } = observability('sign');

/** What one invocation did, for the logs and the tests; Lambda ignores it. */
export type SignResult =
  | 'malformed'
  | 'replay'
  | 'signed'
  | 'refused'
  | 'rejudged'
  | 'failed'
  | 'revoked-while-signing'
  | 'removed'
  | 'removal-skipped';

const sign = async (deps: SignFunctionDeps, detail: SigningRequestedDetail): Promise<SignResult> => {
  const started = performance.now();
  const { judging } = deps;
  const outcome = await signApproved(
    {
      store: deps.store,
      publisher: deps.publisher,
      formats: deps.formats,
      ...(judging === undefined ? {} : { revocation: judging.settings.revocation }),
      signing: await deps.signing(),
      ...(judging === undefined
        ? {}
        : {
            policyDigest: judging.policy.digest,
            rejudge: (image, because) =>
              rejudge(
                { ...judging, store: deps.store, publisher: deps.publisher, now: () => new Date() },
                image,
                because,
              ),
          }),
    },
    detail,
  );
  switch (outcome.kind) {
    case 'signed':
      metrics.addMetric('SigningDuration', MetricUnit.Milliseconds, performance.now() - started);
      metrics.addMetric('ImagesSigned', MetricUnit.Count, 1);
      metrics.addMetric('SignaturesWritten', MetricUnit.Count, outcome.signatures.length);
      logger.info('signed and published', { signatures: outcome.signatures });
      return 'signed';
    case 'rejudged':
      // Not signed: the approval predates the deployed policy. The judge announced the new verdict.
      metrics.addMetric('RejudgedAtSigning', MetricUnit.Count, 1);
      logger.warn('approval from another policy: judged again instead of signed', {
        reason: outcome.reason,
        verdict: outcome.verdict,
      });
      return 'rejudged';
    case 'refused':
      // Fail closed, without retry: the record says this digest must not be signed (now).
      metrics.addMetric('SigningRefused', MetricUnit.Count, 1);
      logger.warn('signing refused', { reason: outcome.reason });
      return 'refused';
    case 'failed':
      // A terminal failure is a verdict, not a dead letter: ERROR is recorded and published (alerts fire).
      metrics.addMetric('SigningFailed', MetricUnit.Count, 1);
      logger.error('signing failed; the verdict is now ERROR', {
        code: outcome.code,
        reason: outcome.reason,
      });
      return 'failed';
    case 'revoked-while-signing':
      metrics.addMetric('SigningRevokedMidway', MetricUnit.Count, 1);
      if (outcome.removed !== undefined) {
        metrics.addMetric(
          'SignaturesRemoved',
          MetricUnit.Count,
          outcome.removed.legacyLayers + outcome.removed.referrers + outcome.removed.attestationLayers,
        );
      }
      logger.warn('verdict changed while signing; nothing recorded or published', {
        reason: outcome.reason,
        removed: outcome.removed,
      });
      return 'revoked-while-signing';
  }
};

const remove = async (deps: SignFunctionDeps, detail: SigningRequestedDetail): Promise<SignResult> => {
  const outcome = await removeRevokedSignatures({ store: deps.store, signing: await deps.signing() }, detail);
  if (outcome.kind === 'skipped') {
    metrics.addMetric('SignatureRemovalSkipped', MetricUnit.Count, 1);
    logger.warn('signature removal skipped', { reason: outcome.reason });
    return 'removal-skipped';
  }
  const { removed } = outcome;
  metrics.addMetric(
    'SignaturesRemoved',
    MetricUnit.Count,
    removed.legacyLayers + removed.referrers + removed.attestationLayers,
  );
  logger.info('own signatures removed from a revoked image', { removed });
  return 'removed';
};

/** The handler over the given adapters; `handler` below is this over the real ones. */
export const createHandler = (adapters: () => SignFunctionDeps) => {
  let deps: SignFunctionDeps | undefined;
  const onSigningRequested = async (raw: unknown): Promise<SignResult> => {
    const parsed = signingRequestedEventSchema.safeParse(raw);
    if (!parsed.success) {
      // A malformed request stays malformed however often it is retried: log the fields, count, return.
      const error = new EventValidationError(toValidationIssues(parsed.error));
      logger.error('malformed signing request', { error, issues: error.issues });
      metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
      return 'malformed';
    }
    const { detail } = parsed.data;
    logger.appendKeys({
      repository: detail.repository,
      digest: detail.digest,
      action: detail.action,
      ...(detail.correlationId === undefined ? {} : { correlationId: detail.correlationId }),
    });
    const replayName = parsed.data['replay-name'];
    if (replayName !== undefined) {
      // Archive replays are for audit and downstream consumers: signing or removing again is neither.
      metrics.addMetric('ReplaysIgnored', MetricUnit.Count, 1);
      logger.info('replayed signing request ignored', { replayName });
      return 'replay';
    }
    try {
      if (deps === undefined) {
        const built = adapters();
        // EventsPublished and EventsFailed for the APPROVED verdicts it publishes. Not `Verdicts`: that
        // APPROVED was counted when on-scan (or on-push) decided it, and a count here would double it.
        deps = { ...built, publisher: countedPublisher(built.publisher, metrics) };
      }
      return detail.action === 'sign' ? await sign(deps, detail) : await remove(deps, detail);
    } catch (error) {
      // Thrown either way so the failure is never silent: Lambda retries, then the event waits in the DLQ.
      metrics.addMetric(isRetryable(error) ? 'SigningRetried' : 'SigningFailed', MetricUnit.Count, 1);
      logger.error(isRetryable(error) ? 'signing failed; will be retried' : 'signing failed', { error });
      throw error;
    }
  };
  return middy(onSigningRequested)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
};

export const handler = createHandler(() => signAdapters(tracer));
