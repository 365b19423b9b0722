import type { InvokeListener } from './lambda-invoke';
import type { EventEnvelope } from './event-envelope';
import type { Digest } from '../../shared/core/domain';
import type { RegistryScanning } from '../../shared/app/push/scan-coverage';
import type { ObservedPush, RegistryConnection } from './ecr';
import type { RecordedEvent } from './event-envelope';
import type { EventListener } from './event-log';
import type { AwsFaults } from './faults';
import type { ScanRecord } from './scan/simulated-scan';
import type { ScheduleFiring, ScheduleListener, ScheduleView } from './scheduler';
import type { PublishedMessage } from './sns';

/** Which of the stand-in's own (`aws.*`) events are lost on the way to the bus. */
export interface EventLoss {
  /** The share of them, 0 to 1, lost at random (with `random`). @default 0 */
  readonly share?: number;
  /** Every event this accepts is lost: every push of one repository, say. */
  readonly drop?: (event: EventEnvelope) => boolean;
}

export interface AwsStandInOptions {
  /** Folder for KMS keys (PEM, 0600) and ECR settings, push times and simulated scans. Reused across runs. */
  readonly stateDir: string;
  /** The real OCI registry ECR's APIs are answered from. */
  readonly registry: RegistryConnection;
  /** @default a free port on 127.0.0.1 */
  readonly port?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /**
   * The registry's scanning configuration; PutRegistryScanningConfiguration replaces it at run time.
   * @default BASIC, SCAN_ON_PUSH for `*`
   */
  readonly scanning?: RegistryScanning;
  /**
   * A JSON file `{ "<repository>@<digest>": { "status"?: "FAILED"|..., "findings": [ECR basic findings] } }`
   * the simulated scanner reads before it looks at the image label. Read at every scan.
   * @default none: findings come from the image's `org.tollgate.simulated-findings` label only
   */
  readonly findingsFile?: string;
  /** @default 0 */
  readonly scanDelayMs?: number;
  /**
   * False suppresses the `ECR Image Scan` / `Inspector2 Scan` events (a lost event); findings stay readable.
   * @default true
   */
  readonly scanEvents?: boolean;
  /**
   * Buses besides `default` that exist; PutEvents to others is refused per entry.
   * @default every bus name exists
   */
  readonly eventBuses?: readonly string[];
  /**
   * SNS topic names that exist; Publish to others answers `NotFound`.
   * @default every topic exists
   */
  readonly topics?: readonly string[];
  /** @default no faults */
  readonly faults?: AwsFaults;
  /**
   * Secrets Manager's secrets by name (GetSecretValue answers them): the alert receivers' tokens.
   * @default none: every GetSecretValue answers ResourceNotFoundException
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * AWS delivers ECR and Inspector events on a best-effort basis: these never reach any rule. The sweep
   * (docs/reconcile.md) is what makes up for them.
   * @default none lost
   */
  readonly eventLoss?: EventLoss;
  /** Every accepted event, asynchronously after the call that put it (the orchestrator routes it). */
  readonly onEvent?: EventListener;
  /** Every due schedule; the orchestrator invokes its target. */
  readonly onSchedule?: ScheduleListener;
  /** Lambda Invoke calls (`tollgate backfill`); the orchestrator runs the function. @default every function unknown */
  readonly onInvoke?: InvokeListener;
  /** The stand-in's clock: event times, push times, when schedules fall due. @default the system clock */
  readonly now?: () => Date;
  /** For `probability` faults. @default Math.random */
  readonly random?: () => number;
  /** @default lines to stderr, prefixed `[aws]` */
  readonly log?: (line: string) => void;
}

/** Helpers for tests and the orchestrator that AWS has no API for. */
export interface EcrHelpers {
  /** Makes the image's scan end (or have ended) with `status`, e.g. FAILED. */
  setScanStatus(repository: string, digest: Digest, status: string, description?: string): void;
  setScanningConfiguration(configuration: RegistryScanning): void;
  /** A push seen elsewhere (polling): emits `ECR Image Action` and starts scan on push, like a notification. */
  observePush(push: ObservedPush): Promise<void>;
  scan(repository: string, digest: Digest): ScanRecord | undefined;
}

export interface KmsHelpers {
  /** CreateKey (ECC_NIST_P256, SIGN_VERIFY) and CreateAlias; reuses the key the alias names when it exists. */
  createSigningKey(alias: string): Promise<{ readonly keyId: string; readonly arn: string }>;
  /** The SPKI PEM of a key by id, ARN or alias. */
  publicKeyPem(keyId: string): string;
}

export interface SnsHelpers {
  /** Every message SNS Publish accepted, in order. Nothing is delivered to subscribers. */
  published(): readonly PublishedMessage[];
}

export interface AwsStandIn {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Where the registry should POST its notifications. */
  readonly notificationsUrl: string;
  /** `AWS_ENDPOINT_URL_<SERVICE>` for ECR, KMS, EventBridge, Scheduler and SNS, the region, dummy credentials. */
  endpointEnv(): Record<string, string>;
  /** Every event accepted so far, on any bus, in order. */
  events(): readonly RecordedEvent[];
  /** The AWS events `eventLoss` lost, in order: never delivered. */
  lostEvents(): readonly RecordedEvent[];
  /** Calls per API, `{ 'ecr:DescribeImages': 3, ... }`, each SDK attempt counted. */
  calls(): Record<string, number>;
  /** Replaces every fault. */
  setFaults(faults: AwsFaults): void;
  /** Fires every schedule due at `now` (default: the stand-in's clock), awaiting the targets. */
  fireDueSchedules(now?: Date): Promise<readonly ScheduleFiring[]>;
  schedules(): readonly ScheduleView[];
  /** Resolves when no event delivery, scan or notification is left in flight. */
  settled(): Promise<void>;
  readonly ecr: EcrHelpers;
  readonly kms: KmsHelpers;
  readonly sns: SnsHelpers;
  /** Closes the server and clears every timer; background work still running is abandoned. */
  stop(): Promise<void>;
}
