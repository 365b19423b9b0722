import type { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { FUNCTION_ENV } from '../../core/env-contract';
import type { OnceKey } from '../../app/push';
import { StepInProgressError } from '../../app/push/step-in-progress';
import { requireEnv } from './env';

type Step = (key: OnceKey, run: () => Promise<object>) => Promise<object>;

// The key is the first argument (what is hashed); the second is the work, which is not data.
const runStep: Step = (_key, run) => run();

interface Idempotency {
  readonly config: IdempotencyConfig;
  readonly idempotent: Step;
  readonly inProgress: (error: unknown) => boolean;
}

/**
 * Idempotency covers the steps that must happen once, not the whole event: the once-per-image part
 * (immutability, scan, timeout schedule) and each tag check, keyed on `repository@digest`, when the
 * image's record was created, and the step (`OnceKey`). A second tag for the same digest is a different
 * event that must still be recorded and checked against the tag rules, but must not start a second
 * pipeline; recording the tag itself is idempotent already (a conditional write that adds it once).
 * Not keyed on the event id either: ECR can report the same push twice under two ids.
 *
 * Built on the first step of the container, with Powertools idempotency and its DynamoDB persistence layer
 * (and so the DynamoDB SDK) imported then rather than during init.
 */
const build = async (): Promise<Idempotency> => {
  const tableName = requireEnv(FUNCTION_ENV.idempotencyTable);
  const { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } =
    await import('@aws-lambda-powertools/idempotency');
  const { DynamoDBPersistenceLayer } = await import('@aws-lambda-powertools/idempotency/dynamodb');
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[repository, digest, since, step, scope]',
    // Long enough to cover EventBridge and Lambda retries; the scan timeout ends every pipeline sooner.
    expiresAfterSeconds: 24 * 60 * 60,
  });
  return {
    config,
    idempotent: makeIdempotent(runStep, {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName }),
      config,
      dataIndexArgument: 0,
    }),
    inProgress: (error) => error instanceof IdempotencyAlreadyInProgressError,
  };
};

let idempotency: Promise<Idempotency> | undefined;

/** Tests start each case from a cold container. */
export const resetOnce = (): void => {
  idempotency = undefined;
};

/**
 * The `once` port of handlePush over Powertools idempotency, for the invocation of `context`. on-push and the sweep
 * share the table and the keys, so a push reached by both starts one pipeline.
 */
export const onceFor = (context: Context) => {
  return async <T extends object>(key: OnceKey, run: () => Promise<T>): Promise<T> => {
    // A build that fails (the table variable missing) is forgotten: the next step tries again.
    idempotency ??= build().catch((error: unknown) => {
      idempotency = undefined;
      throw error;
    });
    const { config, idempotent, inProgress } = await idempotency;
    config.registerLambdaContext(context);
    try {
      // What the first run returned, JSON round-tripped by the persistence layer: the same shape.
      return (await idempotent(key, run)) as T;
    } catch (error) {
      // In the port's own terms, so the use cases need not know Powertools.
      if (inProgress(error)) throw new StepInProgressError(key, { cause: error });
      throw error;
    }
  };
};
