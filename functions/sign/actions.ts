import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SigningRequestedDetail } from '../../shared/core/events';
import { rejudge } from '../../shared/app/judge/rejudge';
// The signing use cases are imported by file (the signing index also carries what only tests and the CLI need),
// and where they run (`await import()`): what they bring, the DSSE bundle builder and the rest of sigstore,
// loads on the first request that signs or removes, not during init.
import type { SignFunctionDeps } from './deps';

/** What one invocation did, for the logs and the tests; Lambda ignores it. */
export type SignResult =
  | 'malformed'
  | 'replay'
  | 'signed'
  | 'refused'
  | 'duplicate'
  | 'rejudged'
  | 'failed'
  | 'revoked-while-signing'
  | 'removed'
  | 'removal-skipped';

/** Signs an approved digest, and reports what came of it. */
export const sign = async (
  deps: SignFunctionDeps,
  detail: SigningRequestedDetail,
  { logger, metrics }: { readonly logger: Logger; readonly metrics: Metrics },
  /** The Signing Requested event's id: one request at a time signs a decision. */
  requestId?: string,
): Promise<SignResult> => {
  const started = performance.now();
  const { judging } = deps;
  const { signApproved } = await import('../../shared/app/signing/sign-approved');
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
    requestId === undefined ? detail : { ...detail, requestId },
  );
  switch (outcome.kind) {
    case 'signed':
      metrics.addMetric('SigningDuration', MetricUnit.Milliseconds, performance.now() - started);
      metrics.addMetric('ImagesSigned', MetricUnit.Count, 1);
      metrics.addMetric('SignaturesWritten', MetricUnit.Count, outcome.signatures.length);
      if (outcome.refusals !== undefined) {
        metrics.addMetric('IndexReferrersRefused', MetricUnit.Count, outcome.refusals.length);
        logger.warn('the registry refused referrers for the index; its platform images are signed', {
          refusals: outcome.refusals,
        });
      }
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
    case 'duplicate':
      // Two announcements of one decision: the other request signs, records and publishes it.
      metrics.addMetric('SigningDuplicatesSkipped', MetricUnit.Count, 1);
      logger.info('another request is signing this decision', { reason: outcome.reason });
      return 'duplicate';
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

/** Removes our signatures from a revoked digest, and reports what came of it. */
export const remove = async (
  deps: SignFunctionDeps,
  detail: SigningRequestedDetail,
  { logger, metrics }: { readonly logger: Logger; readonly metrics: Metrics },
): Promise<SignResult> => {
  const { removeRevokedSignatures } = await import('../../shared/app/signing/remove-revoked');
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
