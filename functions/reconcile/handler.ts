import { reconcileRequestSchema } from '../../shared/core/events';
import { handleScanTimeout, judgeImage, rejudge } from '../../shared/app/judge';
import { announce } from '../../shared/app/judge/record-verdict';
import { handlePush } from '../../shared/app/push';
import { reconcile, type ReconcileReport } from '../../shared/app/reconcile';
import { onceFor, resetOnce } from '../../shared/adapters/runtime/once';
import { parseWithSchema, tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { countedJudge } from '../../shared/adapters/runtime/verdict-metrics';
import { exhausted, reconcileAdapters } from './deps';
import { reportSweep } from './report';

export type ReconcileResult = ReconcileReport | { readonly kind: 'malformed' };

const parseRequest = parseWithSchema(reconcileRequestSchema);

/** The sweep (shared/app/reconcile, docs/reconcile.md): the event path's use cases, chosen per digest. */
const sweep = tollgateHandler({
  name: 'reconcile',
  what: 'reconcile request',
  parse: parseRequest,
  malformed: (): ReconcileResult => ({ kind: 'malformed' }),
  adapters: () => reconcileAdapters(),
  keys: (request) => ({ trigger: request.trigger }),
  run: async (request, { deps, context, logger, metrics }): Promise<ReconcileResult> => {
    const startCalls = deps.calls.calls;
    const { judging } = deps;
    const log = (message: string, fields?: Readonly<Record<string, unknown>>): void =>
      logger.info(message, { ...fields });
    const judge = countedJudge(judging, metrics);
    const report = await reconcile(
      {
        inventory: deps.inventory,
        cursor: deps.cursor,
        store: deps.store,
        settings: deps.sweep,
        scanning: () => deps.ecr.scanningConfiguration(),
        push: (event) => handlePush({ ...deps, judge, log, once: onceFor(context) }, event),
        reattest: (image, correlationId) => judgeImage(judging, image, correlationId, { reattest: true }),
        judge,
        timeout: (image) =>
          handleScanTimeout({ ...judging, scanTimeoutMinutes: deps.sweep.scanTimeoutMinutes }, image),
        rejudge: (image, note) => rejudge(judging, image, note),
        rescan: (image) => deps.ecr.startImageScan(image.repository, image.digest),
        announce: (record) => announce(judging, record, record.verdict!, record.correlationId),
        exhausted: exhausted(deps, context, startCalls),
        now: judging.now,
      },
      {
        ...(request.scope === undefined ? {} : { scope: request.scope }),
        ...(request.repositories === undefined ? {} : { repositories: request.repositories }),
        ...(request.dryRun === undefined ? {} : { dryRun: request.dryRun }),
      },
    );
    reportSweep(logger, metrics, report, deps.calls.calls - startCalls);
    return report;
  },
});

export const handler = sweep.handler;

/** Tests start each case from a cold container. */
export const resetAdapters = (): void => {
  sweep.reset();
  resetOnce();
};
