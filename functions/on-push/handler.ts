import { ecrImageActionEventSchema, normalizeImageActionEvent } from '../../shared/core/events';
import { handlePush, type PushOutcome } from '../../shared/app/push';
import { parseWithSchema, tollgateHandler } from '../../shared/adapters/runtime/tollgate-handler';
import { countedJudge } from '../../shared/adapters/runtime/verdict-metrics';
import { pushAdapters } from './deps';
import { onceFor, resetOnce } from '../../shared/adapters/runtime/once';
import { reportPush } from './report';
import { scopeOfEvent, spokeTarget } from '../../shared/adapters/runtime/image-scope';

export type OnPushResult = PushOutcome['kind'] | 'malformed' | 'refused';

const parseImageAction = parseWithSchema(ecrImageActionEventSchema);

const onPush = tollgateHandler({
  name: 'on-push',
  what: 'ECR Image Action event',
  parse: (raw) => normalizeImageActionEvent(parseImageAction(raw)),
  malformed: (): OnPushResult => 'malformed',
  scope: {
    of: (event) => scopeOfEvent({ ...event, repositories: [event.repository] }),
    refused: (): OnPushResult => 'refused',
  },
  adapters: (_, scope) => pushAdapters({}, spokeTarget('on-push', scope)),
  keys: (event) => ({ repository: event.repository, digest: event.digest, correlationId: event.eventId }),
  run: async (event, { deps, context, logger, metrics }): Promise<OnPushResult> => {
    // One publisher, counted, for what on-push announces itself and for what it judges.
    const { judging: judgingAdapters, ...ports } = deps;
    const judging = { ...judgingAdapters, publisher: deps.publisher };
    const outcome = await handlePush(
      {
        ...ports,
        judge: countedJudge(judging, metrics),
        log: (message, fields) => logger.info(message, { ...fields }),
        once: onceFor(context),
      },
      event,
    );
    reportPush(logger, metrics, outcome);
    return outcome.kind;
  },
});

export const handler = onPush.handler;

/** Tests start each case from a cold container. */
export const resetAdapters = (): void => {
  onPush.reset();
  resetOnce();
};
