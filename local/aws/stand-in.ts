import { DEFAULT_SCANNING, ecrService, EcrState, PushObserver, RegistryView, type EcrDeps } from './ecr';
import { Background } from './background';
import type { StandInContext } from './context';
import { EventLog } from './event-log';
import { eventBridgeService } from './events';
import { FaultInjector } from './faults';
import { kmsService } from './kms';
import { KmsKeyStore } from './kms-keys';
import { NOTIFICATIONS_PATH, RegistryNotifications } from './notifications';
import type { AwsStandIn, AwsStandInOptions } from './options';
import { SchedulerService } from './scheduler';
import { SimulatedScanner } from './scan/simulated-scan';
import { SnsService } from './sns';
import { secretsManagerService } from './secrets-manager';
import { listen } from './server';
import { AwsApiError } from './protocol';

/**
 * Starts the AWS stand-in: ECR (over a real OCI registry), KMS (real P-256 keys), EventBridge,
 * EventBridge Scheduler, SNS Publish and Secrets Manager GetSecretValue on one loopback port, speaking the
 * real wire protocols, so that the production SDK clients work against it unchanged through
 * `AWS_ENDPOINT_URL_<SERVICE>`. Image scanning is simulated.
 */
export const startAwsStandIn = async (options: AwsStandInOptions): Promise<AwsStandIn> => {
  const log = options.log ?? ((line: string) => process.stderr.write(`[aws] ${line}\n`));
  const background = new Background(log);
  const random = options.random ?? Math.random;
  const loss = options.eventLoss;
  const events = new EventLog(
    background,
    options.onEvent,
    loss === undefined ? undefined : (event) => loss.drop?.(event) === true || random() < (loss.share ?? 0),
  );
  const context: StandInContext = {
    accountId: options.accountId ?? '000000000000',
    region: options.region ?? 'us-east-1',
    now: options.now ?? (() => new Date()),
    log,
    background,
    events,
  };
  const faults = new FaultInjector(options.faults ?? {}, random, (ms) => background.sleep(ms));
  const state = new EcrState(options.stateDir, (error) =>
    log(`could not save the ECR state: ${(error as Error).message}`),
  );
  const registry = new RegistryView(options.registry, state);
  const scanner = new SimulatedScanner(context, registry, {
    stateDir: options.stateDir,
    ...(options.findingsFile === undefined ? {} : { findingsFile: options.findingsFile }),
    ...(options.scanDelayMs === undefined ? {} : { delayMs: options.scanDelayMs }),
    ...(options.scanEvents === undefined ? {} : { events: options.scanEvents }),
  });
  const ecr: EcrDeps = {
    context,
    registry,
    state,
    scanner,
    scanning: { current: options.scanning ?? DEFAULT_SCANNING },
  };
  const pushes = new PushObserver(ecr);
  const keys = new KmsKeyStore(options.stateDir, context);
  const scheduler = new SchedulerService(context, options.onSchedule);
  const sns = new SnsService(context, options.topics === undefined ? {} : { topics: options.topics });
  const { server, port } = await listen(
    {
      rpc: [
        ecrService(ecr, pushes, options.registry.credentials),
        kmsService(keys),
        eventBridgeService(
          context,
          faults,
          options.eventBuses === undefined ? {} : { eventBuses: options.eventBuses },
        ),
        secretsManagerService(context, options.secrets ?? {}),
      ],
      query: [sns.service()],
      scheduler,
      notifications: new RegistryNotifications(pushes, background),
      faults,
      events,
      published: () => sns.published(),
      ...(options.onInvoke === undefined ? {} : { invoke: options.onInvoke }),
      log,
    },
    options.port,
  );
  const url = `http://127.0.0.1:${port}`;
  log(
    `AWS stand-in on ${url} for the registry ${registry.url}. Image scanning is SIMULATED: findings come from ` +
      `${options.findingsFile ?? 'no findings file'} or the org.tollgate.simulated-findings image label.`,
  );

  return {
    url,
    port,
    notificationsUrl: `${url}${NOTIFICATIONS_PATH}`,
    endpointEnv: () => ({
      AWS_ENDPOINT_URL_ECR: url,
      AWS_ENDPOINT_URL_KMS: url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: url,
      AWS_ENDPOINT_URL_SCHEDULER: url,
      AWS_ENDPOINT_URL_SNS: url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_ENDPOINT_URL_LAMBDA: url,
      AWS_REGION: context.region,
      AWS_DEFAULT_REGION: context.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    }),
    events: () => events.list(),
    lostEvents: () => events.lost(),
    calls: () => faults.calls(),
    sns: { published: () => sns.published() },
    setFaults: (next) => faults.set(next),
    fireDueSchedules: (now) => scheduler.fireDue(now),
    schedules: () => scheduler.list(),
    settled: () => background.settled(),
    ecr: {
      setScanStatus: (repository, digest, status, description) =>
        scanner.setStatus(repository, digest, status, description),
      setScanningConfiguration: (configuration) => {
        ecr.scanning.current = configuration;
      },
      observePush: (push) => pushes.pushed(push),
      scan: (repository, digest) => scanner.get(repository, digest),
    },
    kms: {
      createSigningKey: (alias) => {
        const name = alias.startsWith('alias/') ? alias : `alias/${alias}`;
        try {
          const existing = keys.resolve(name);
          return Promise.resolve({ keyId: existing.keyId, arn: existing.arn });
        } catch (error) {
          if (!(error instanceof AwsApiError) || error.type !== 'NotFoundException') throw error;
        }
        const key = keys.create(`Tollgate signing key (${name}), local stand-in`);
        keys.createAlias(name, key.keyId);
        return Promise.resolve({ keyId: key.keyId, arn: key.arn });
      },
      publicKeyPem: (keyId) => keys.publicKeyPem(keys.resolve(keyId)),
    },
    stop: async () => {
      scheduler.stop();
      await background.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      state.flush();
      scanner.flush();
    },
  };
};
