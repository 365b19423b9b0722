import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import bcrypt from 'bcryptjs';
import {
  startAwsStandIn,
  type AwsStandIn,
  type AwsStandInOptions,
  type RecordedEvent,
} from '../../../../local/aws';
import { freePort } from '../../../../local/ports';
import { startRegistryFront, type RegistryFront } from '../../../../local/registry-front';
import { startRegistry, type RunningRegistry } from '../../../../local/registry';
import type { Digest } from '../../../../shared/core/domain';
import {
  manifestBytes,
  MediaType,
  OciRegistryClient,
  sha256Digest,
  staticCredentials,
  type ImageManifest,
  type RegistryCredentials,
} from '../../../../shared/adapters/oci';

export interface Fixture {
  readonly standIn: AwsStandIn;
  /** With `front: true`. */
  readonly front: RegistryFront | undefined;
  readonly registry: RunningRegistry;
  readonly oci: OciRegistryClient;
  readonly stateDir: string;
  readonly logs: string[];
  readonly ecr: ECRClient;
  readonly kms: KMSClient;
  readonly events: EventBridgeClient;
  readonly scheduler: SchedulerClient;
  stop(): Promise<void>;
}

type FixtureOptions = Partial<Omit<AwsStandInOptions, 'registry' | 'stateDir'>> & {
  /** @default true: the registry notifies the stand-in of pushes */
  readonly notifications?: boolean;
  /** @default an anonymous registry */
  readonly credentials?: RegistryCredentials;
  /**
   * Put a counting registry front at the stand-in's registry `url`, with the registry itself as its `readUrl`,
   * as `tollgate local` does in `ecr` mode. @default false
   */
  readonly front?: boolean;
};

/**
 * The stand-in in front of a real Distribution that notifies it, and a real SDK v3 client per service.
 * The registry's port is chosen first, because each must know the other's URL.
 */
export const startFixture = async (options: FixtureOptions = {}): Promise<Fixture> => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tollgate-aws-'));
  const registryPort = await freePort();
  const logs: string[] = [];
  const { notifications = true, credentials, front: withFront = false, ...standInOptions } = options;
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const front = withFront ? await startRegistryFront({ target: registryUrl }) : undefined;
  let htpasswdFile: string | undefined;
  if (credentials !== undefined) {
    htpasswdFile = join(stateDir, 'htpasswd');
    writeFileSync(htpasswdFile, `${credentials.username}:${bcrypt.hashSync(credentials.password, 8)}\n`);
  }
  const standIn = await startAwsStandIn({
    stateDir: join(stateDir, 'aws'),
    registry: {
      url: front?.url ?? registryUrl,
      ...(front === undefined ? {} : { readUrl: registryUrl }),
      ...(credentials === undefined ? {} : { credentials }),
    },
    log: (line) => logs.push(line),
    ...standInOptions,
  });
  let registry: RunningRegistry;
  try {
    registry = await startRegistry({
      stateDir: join(stateDir, 'registry'),
      port: registryPort,
      ...(notifications ? { notificationsUrl: standIn.notificationsUrl } : {}),
      ...(htpasswdFile === undefined ? {} : { htpasswdFile }),
    });
  } catch (error) {
    await standIn.stop();
    await front?.stop();
    throw error;
  }
  const config = {
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const clients = {
    ecr: new ECRClient(config),
    kms: new KMSClient(config),
    events: new EventBridgeClient(config),
    scheduler: new SchedulerClient(config),
  };
  return {
    standIn,
    front,
    registry,
    oci: new OciRegistryClient({
      host: registry.host,
      ...(credentials === undefined ? {} : { credentials: staticCredentials(credentials) }),
    }),
    stateDir,
    logs,
    ...clients,
    stop: async () => {
      for (const client of Object.values(clients)) client.destroy();
      await registry.stop();
      await standIn.stop();
      await front?.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};

export interface LabelFinding {
  readonly name: string;
  readonly severity: string;
  readonly package?: string;
  readonly version?: string;
  readonly fixedIn?: string;
  readonly cvss?: number;
}

/** Pushes a one-layer OCI image; its config carries the simulated-findings label when `findings` is given. */
export const pushImage = async (
  oci: OciRegistryClient,
  repository: string,
  options: {
    readonly tag?: string;
    readonly findings?: readonly LabelFinding[];
    readonly configMediaType?: string;
  } = {},
): Promise<{ readonly digest: Digest; readonly bytes: Buffer }> => {
  const layer = randomBytes(32);
  const labels =
    options.findings === undefined
      ? {}
      : { 'org.tollgate.simulated-findings': JSON.stringify(options.findings) };
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: labels },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
    }),
  );
  await oci.putBlob(repository, layer);
  await oci.putBlob(repository, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: {
      mediaType: options.configMediaType ?? MediaType.ociConfig,
      digest: sha256Digest(config),
      size: config.length,
    },
    layers: [{ mediaType: MediaType.ociLayer, digest: sha256Digest(layer), size: layer.length }],
  };
  const bytes = manifestBytes(manifest);
  const { digest } = await oci.putManifest(repository, options.tag ?? sha256Digest(bytes), {
    mediaType: MediaType.ociManifest,
    bytes,
  });
  return { digest, bytes };
};

/**
 * Polls until `find` returns something: the registry notifies asynchronously. 20 s by default: on a loaded
 * 2-core machine (CI beside other suites) 10 s was seen to run out; it stays under the test's own 30 s.
 */
export const waitFor = async <T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

export const eventsOf = (standIn: AwsStandIn, detailType: string, digest?: string): RecordedEvent[] =>
  standIn
    .events()
    .filter(
      (recorded) =>
        recorded.event['detail-type'] === detailType &&
        (digest === undefined || recorded.event.detail['image-digest'] === digest),
    );
