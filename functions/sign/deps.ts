import { FUNCTION_ENV } from '../../shared/core/env-contract';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { EcrRegistryHost } from '../../shared/adapters/aws/ecr';
import { busPublisher, verdictStore } from '../../shared/adapters/runtime/judge-adapters';
import { traced } from '../../shared/adapters/runtime/observability';
import { TollgateError } from '../../shared/core/domain/errors';
import { classifySdkError } from '../../shared/adapters/aws/sdk-error';
import { OciRegistryClient, TokenBucket, withPutBudget } from '../../shared/adapters/oci';
import { PUTS_PER_IMAGE } from '../../shared/app/reconcile/budget';
import type { JudgeDeps } from '../../shared/app/judge';
import type { EventPublisher, VerdictStore } from '../../shared/app/ports';
import { loadSettings, requireEnv } from '../../shared/adapters/runtime';
// By file, not through shared/app/signing's index: the index also exports the @sigstore/oci attacher, whose HTTP client
// (make-fetch-happen and its dependencies) the bundle would then carry and load for nothing.
import type { SigningDeps } from '../../shared/app/signing/deps';
import { RegistryReferrerAttacher } from '../../shared/adapters/oci/registry-referrer-attacher';
import { RememberingRegistryClient } from '../../shared/adapters/oci/remembering-registry';
import type { SignatureFormat } from '../../shared/app/verify';
import type { ImageScope } from '../../shared/core/domain/image-scope';
import { spokeEcrClient } from '../../shared/adapters/runtime/spoke-clients';

/** Environment the Tollgate construct sets on every function (infra/tollgate.ts `functionEnvironment`). */
export const SIGN_ENV = {
  table: FUNCTION_ENV.table,
  bus: FUNCTION_ENV.bus,
  signingKey: FUNCTION_ENV.signingKey,
} as const;

/** What the sign handler works with; unit tests hand in fakes of the same ports. */
export interface SignFunctionDeps {
  readonly store: VerdictStore;
  readonly publisher: EventPublisher;
  /** `signatures.formats` of the config. */
  readonly formats: readonly SignatureFormat[];
  /**
   * Signing adapters bound to the registry host ECR reports (GetAuthorizationToken's proxyEndpoint), never to a
   * host an event names: the signer writes only where ECR itself says the images are.
   */
  readonly signing: () => Promise<SigningDeps>;
  /**
   * What judging again needs: an approval recorded under another policy than the deployed one is re-judged
   * before it is signed (shared/app/signing/sign-approved). Absent only in tests of signing alone.
   */
  readonly judging?: Pick<JudgeDeps, 'findings' | 'policy' | 'settings'>;
}

/**
 * Built once per container on the first invocation (not at import), so a missing variable is reported by the
 * handler with the event in hand. The SDK clients and the adapters over them are imported here too, so none
 * loads during init. Plain HTTP is used only for loopback hosts (the local stack), by OciRegistryClient's own
 * rule: the code has no local branch. `tracer` is absent when tracing is off.
 */
export const signAdapters = async (
  tracer: Tracer | undefined,
  scope?: ImageScope,
): Promise<SignFunctionDeps> => {
  const { config, policy } = loadSettings();
  const signingKey = requireEnv(SIGN_ENV.signingKey);
  const { ECRClient } = await import('@aws-sdk/client-ecr');
  const { KMSClient } = await import('@aws-sdk/client-kms');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  const { EcrFindingsReader, EcrRegistryHost } = await import('../../shared/adapters/aws/ecr');
  const { EcrCredentials } = await import('../../shared/adapters/aws/ecr-auth');
  const { KmsSigner } = await import('../../shared/adapters/aws/kms');
  // A spoke's image is signed into the spoke's registry, with the spoke role's credentials (its token, its host).
  const ecr = traced(
    tracer,
    scope === undefined ? new ECRClient({}) : await spokeEcrClient({ fn: 'sign', scope }),
  );
  const credentials = new EcrCredentials(ecr);
  const registryHost = new EcrRegistryHost(ecr);
  const signer = new KmsSigner(traced(tracer, new KMSClient({})), signingKey);
  let signing: Promise<SigningDeps> | undefined;
  const { putImagePerSecond, concurrency } = config.signing;
  // ECR's PutImage quota is per account and region, and so is this budget: these adapters are built per scope.
  const bucket = new TokenBucket(putImagePerSecond / concurrency, PUTS_PER_IMAGE);
  const bind = async (): Promise<SigningDeps> => {
    // One per container: what it remembers (content by digest, no referrers API) holds for the container's life.
    // Every manifest PUT is paid for from this environment's share of the signing budget (docs/reconcile.md).
    const registry = new RememberingRegistryClient(
      withPutBudget(new OciRegistryClient({ host: await resolveHost(registryHost), credentials }), {
        bucket,
      }),
    );
    return {
      signer,
      publicKey: signer,
      registry,
      referrers: new RegistryReferrerAttacher(registry),
      legacyAttestationTag: config.signatures.legacyAttestationTag,
    };
  };
  return {
    store: await verdictStore(traced(tracer, new DynamoDBClient({}))),
    publisher: await busPublisher(traced(tracer, new EventBridgeClient({}))),
    formats: config.signatures.formats,
    judging: { findings: new EcrFindingsReader(ecr), policy, settings: config },
    signing: () => {
      signing ??= bind().catch((error: unknown) => {
        signing = undefined;
        throw error;
      });
      return signing;
    },
  };
};

// Throttled or unreachable ECR is retryable, so Lambda tries the event again before it dead-letters; a refusal
// (no permission) is not. One rule for every adapter: shared/adapters/aws/sdk-error.
const resolveHost = async (registryHost: EcrRegistryHost): Promise<string> => {
  try {
    return await registryHost.host();
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw classifySdkError(
      error,
      `could not learn the registry host from ECR: ${(error as Error).message}`,
      'REGISTRY_UNREACHABLE',
    );
  }
};
