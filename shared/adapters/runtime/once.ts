import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { FUNCTION_ENV } from '../../core/env-contract';
import type { OnceKey } from '../../app/push';
import { requireEnv } from './env';

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

// The key is the first argument (what is hashed); the second is the work, which is not data.
const runStep: Step = (_key, run) => run();

let idempotent: Step | undefined;

/** Tests start each case from a cold container. */
export const resetOnce = (): void => {
  idempotent = undefined;
};

/**
 * The `once` port of handlePush over Powertools idempotency, for the invocation of `context`. on-push and the sweep
 * share the table and the keys, so a push reached by both starts one pipeline.
 */
export const onceFor = (context: Context) => {
  idempotency.registerLambdaContext(context);
  return <T extends object>(key: OnceKey, run: () => Promise<T>): Promise<T> => {
    idempotent ??= makeIdempotent(runStep, {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: requireEnv(FUNCTION_ENV.idempotencyTable),
      }),
      config: idempotency,
      dataIndexArgument: 0,
    });
    // What the first run returned, JSON round-tripped by the persistence layer: the same shape.
    return idempotent(key, run) as Promise<T>;
  };
};
