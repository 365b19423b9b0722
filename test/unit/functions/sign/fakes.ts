import type { Context } from 'aws-lambda';
import {
  ConcurrentUpdateError,
  type ApprovedVerdict,
  VERDICT_SCHEMA_VERSION,
  type Digest,
  type ImageRecord,
  type ImageRef,
  type SignatureRef,
  type Verdict,
} from '../../../../shared/core/domain';
import {
  EMPTY_JSON,
  manifestBytes,
  MediaType,
  referrersTag,
  RegistryRequestError,
  sha256Digest,
  type Descriptor,
  type FetchedManifest,
  type ImageIndex,
  type ImageManifest,
  type ManifestUpload,
  type PutManifestResult,
  type RegistryClient,
} from '../../../../shared/adapters/oci';
import type { EventPublisher, OutgoingEvent, VerdictStore } from '../../../../shared/app/ports';
import type { ReferrerArtifact, ReferrerAttacher } from '../../../../shared/app/signing';

/**
 * An OCI registry in memory, without the referrers API (like Distribution 2.x), so bundles go through the
 * tag-schema index. Content is addressed and checked exactly as a real registry would.
 */
export class MemoryRegistry implements RegistryClient {
  public readonly manifests = new Map<string, { readonly mediaType: string; readonly bytes: Buffer }>();
  public readonly tags = new Map<string, Digest>();
  public readonly blobs = new Map<string, Buffer>();
  /** Calls made, as `METHOD target`, to assert what was (not) written. */
  public readonly writes: string[] = [];
  /** Throws this from the next call, once: an unreachable or throttling registry. */
  public failNext: Error | undefined;

  public constructor(public readonly host = '123456789012.dkr.ecr.us-west-2.amazonaws.com') {}

  public getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    return this.findManifest(repository, reference).then((found) => {
      if (found === undefined) {
        throw new RegistryRequestError(`${repository}:${reference} not found`, 404, ['MANIFEST_UNKNOWN']);
      }
      return found;
    });
  }

  public findManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    this.maybeFail();
    const digest = this.resolve(repository, reference);
    const stored = digest === undefined ? undefined : this.manifests.get(`${repository}@${digest}`);
    return Promise.resolve(
      stored === undefined || digest === undefined
        ? undefined
        : { digest, mediaType: stored.mediaType, bytes: stored.bytes },
    );
  }

  public async headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    const found = await this.findManifest(repository, reference);
    return found === undefined
      ? undefined
      : { mediaType: found.mediaType, digest: found.digest, size: found.bytes.length };
  }

  public putManifest(
    repository: string,
    reference: string,
    manifest: ManifestUpload,
  ): Promise<PutManifestResult> {
    this.maybeFail();
    const digest = sha256Digest(manifest.bytes);
    this.manifests.set(`${repository}@${digest}`, { mediaType: manifest.mediaType, bytes: manifest.bytes });
    if (reference !== digest) this.tags.set(`${repository}:${reference}`, digest);
    this.writes.push(`PUT ${repository}:${reference}`);
    return Promise.resolve({ digest });
  }

  public deleteManifest(repository: string, digest: Digest): Promise<boolean> {
    this.maybeFail();
    this.writes.push(`DELETE ${repository}@${digest}`);
    const existed = this.manifests.delete(`${repository}@${digest}`);
    for (const [tag, target] of this.tags)
      if (target === digest && tag.startsWith(`${repository}:`)) this.tags.delete(tag);
    return Promise.resolve(existed);
  }

  public getBlob(repository: string, digest: Digest): Promise<Buffer> {
    this.maybeFail();
    const blob = this.blobs.get(`${repository}@${digest}`);
    if (blob === undefined) return Promise.reject(new RegistryRequestError(`blob ${digest} not found`, 404));
    return Promise.resolve(blob);
  }

  public hasBlob(repository: string, digest: Digest): Promise<boolean> {
    return Promise.resolve(this.blobs.has(`${repository}@${digest}`));
  }

  public putBlob(
    repository: string,
    bytes: Buffer,
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    this.maybeFail();
    const digest = sha256Digest(bytes);
    this.blobs.set(`${repository}@${digest}`, bytes);
    return Promise.resolve({ digest, size: bytes.length });
  }

  public listTags(repository: string): Promise<string[]> {
    return Promise.resolve(
      [...this.tags.keys()]
        .filter((key) => key.startsWith(`${repository}:`))
        .map((key) => key.slice(repository.length + 1)),
    );
  }

  public referrers(): Promise<readonly Descriptor[] | undefined> {
    return Promise.resolve(undefined);
  }

  public requiresAuth(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** An image (config + one layer) stored by digest only, as a push by digest leaves it. */
  public async pushImage(
    repository: string,
    seed: string,
  ): Promise<{ readonly digest: Digest; readonly size: number }> {
    const layer = Buffer.from(`layer ${seed}`);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
    await this.putBlob(repository, layer);
    await this.putBlob(repository, config);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: MediaType.ociLayer, digest: sha256Digest(layer), size: layer.length }],
    };
    const bytes = manifestBytes(manifest);
    const { digest } = await this.putManifest(repository, sha256Digest(bytes), {
      mediaType: MediaType.ociManifest,
      bytes,
    });
    return { digest, size: bytes.length };
  }

  /** An index of `children` stored by digest. */
  public async pushIndex(
    repository: string,
    children: readonly { readonly digest: Digest; readonly size: number }[],
  ): Promise<Digest> {
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: children.map((child, i) => ({
        mediaType: MediaType.ociManifest,
        digest: child.digest,
        size: child.size,
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    };
    const bytes = manifestBytes(index);
    return (await this.putManifest(repository, sha256Digest(bytes), { mediaType: MediaType.ociIndex, bytes }))
      .digest;
  }

  private resolve(repository: string, reference: string): Digest | undefined {
    return reference.startsWith('sha256:')
      ? (reference as Digest)
      : this.tags.get(`${repository}:${reference}`);
  }

  private maybeFail(): void {
    const failure = this.failNext;
    if (failure === undefined) return;
    this.failNext = undefined;
    throw failure;
  }
}

/** Attaches referrers the way @sigstore/oci does on a registry without the referrers API. */
export class MemoryReferrers implements ReferrerAttacher {
  public constructor(private readonly registry: MemoryRegistry) {}

  public async attach(request: ReferrerArtifact): Promise<Digest> {
    const { registry } = this;
    const subject = await registry.getManifest(request.repository, request.subject);
    await registry.putBlob(request.repository, EMPTY_JSON);
    const layer = await registry.putBlob(request.repository, request.artifact);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: request.mediaType,
      config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length },
      layers: [{ mediaType: request.mediaType, digest: layer.digest, size: layer.size }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length },
      annotations: request.annotations,
    };
    const bytes = manifestBytes(manifest);
    const digest = sha256Digest(bytes);
    await registry.putManifest(request.repository, digest, { mediaType: MediaType.ociManifest, bytes });
    const tag = referrersTag(request.subject);
    const existing = await registry.findManifest(request.repository, tag);
    const index =
      existing === undefined
        ? { schemaVersion: 2 as const, mediaType: MediaType.ociIndex, manifests: [] }
        : (JSON.parse(existing.bytes.toString()) as ImageIndex);
    const next: ImageIndex = {
      ...index,
      manifests: [
        ...index.manifests,
        {
          mediaType: MediaType.ociManifest,
          digest,
          size: bytes.length,
          artifactType: request.mediaType,
          annotations: request.annotations,
        },
      ],
    };
    await registry.putManifest(request.repository, tag, {
      mediaType: MediaType.ociIndex,
      bytes: manifestBytes(next),
    });
    return digest;
  }
}

/**
 * The VerdictStore port in memory, with the same conditional writes as the DynamoDB adapter. `onGet` lets a
 * test change the record between two reads, as a concurrent on-scan would.
 */
export class MemoryVerdictStore implements VerdictStore {
  public readonly records = new Map<string, ImageRecord>();
  public readonly saved: {
    readonly key: string;
    readonly signatures: readonly SignatureRef[];
    readonly expectedVersion: number;
  }[] = [];
  public gets = 0;
  public onGet: ((key: string, count: number) => void) | undefined;
  /** Refuse the next conditional write, as if someone wrote in between. */
  public conflictNext = 0;

  public put(record: ImageRecord): void {
    this.records.set(`${record.image.repository}@${record.image.digest}`, record);
  }

  public get(image: {
    readonly repository: string;
    readonly digest: string;
  }): Promise<ImageRecord | undefined> {
    const key = `${image.repository}@${image.digest}`;
    this.gets += 1;
    this.onGet?.(key, this.gets);
    return Promise.resolve(this.records.get(key));
  }

  public saveSignatures(
    image: { readonly repository: string; readonly digest: string },
    signatures: readonly SignatureRef[],
    expectedVersion: number,
  ): Promise<ImageRecord> {
    const key = `${image.repository}@${image.digest}`;
    this.saved.push({ key, signatures, expectedVersion });
    const current = this.records.get(key);
    if (this.conflictNext > 0 || current === undefined || current.version !== expectedVersion) {
      this.conflictNext = Math.max(0, this.conflictNext - 1);
      if (current !== undefined) this.records.set(key, { ...current, version: current.version + 1 });
      return Promise.reject(new ConcurrentUpdateError(`${key} is no longer at version ${expectedVersion}`));
    }
    const next = {
      ...current,
      signatures,
      version: current.version + 1,
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    this.records.set(key, next);
    return Promise.resolve(next);
  }

  public recordPush(): never {
    throw new Error('the signer never records pushes');
  }

  /** Verdicts the signer wrote: only ERROR, when signing failed for good. */
  public readonly verdicts: { readonly key: string; readonly verdict: Verdict }[] = [];

  public saveVerdict(
    image: { readonly repository: string; readonly digest: string },
    verdict: Verdict,
    expectedVersion: number,
  ): Promise<ImageRecord> {
    const key = `${image.repository}@${image.digest}`;
    const current = this.records.get(key);
    if (current === undefined || current.version !== expectedVersion) {
      return Promise.reject(new ConcurrentUpdateError(`${key} is no longer at version ${expectedVersion}`));
    }
    this.verdicts.push({ key, verdict });
    const next: ImageRecord = {
      ...current,
      verdict,
      status: 'DECIDED',
      announcementPending: true,
      version: current.version + 1,
    };
    this.records.set(key, next);
    return Promise.resolve(next);
  }

  public markAnnounced(
    image: { readonly repository: string; readonly digest: string },
    decidedAt: string,
  ): Promise<boolean> {
    const key = `${image.repository}@${image.digest}`;
    const current = this.records.get(key);
    if (current?.verdict?.decidedAt !== decidedAt) return Promise.resolve(false);
    const { announcementPending: _cleared, ...rest } = current;
    this.records.set(key, rest);
    return Promise.resolve(true);
  }

  public markDeleted(): never {
    throw new Error('the signer never deletes records');
  }

  public moveTag(): never {
    throw new Error('the signer never moves tags');
  }
}

export class RecordingPublisher implements EventPublisher {
  public readonly published: OutgoingEvent[] = [];

  public publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.published.push(...events);
    return Promise.resolve();
  }
}

export const verdictFor = (image: ImageRef, outcome: Verdict['outcome']): Verdict => {
  const base = {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    image,
    mode: 'enforce' as const,
    reasons: [],
    warnings: [],
    decidedAt: '2026-01-02T03:04:05.000Z',
    policyDigest: `sha256:${'ab'.repeat(32)}`,
  };
  const judged = {
    ...base,
    scan: {
      scanner: 'ECR_BASIC' as const,
      status: 'COMPLETE',
      completedAt: '2026-01-02T03:00:00.000Z',
      severityCounts: { LOW: 1 },
    },
    blocking: [],
    blockingTotal: 0,
    exceptionsApplied: [],
  };
  switch (outcome) {
    case 'APPROVED':
      return { ...judged, outcome };
    case 'REJECTED':
      return {
        ...judged,
        outcome,
        blocking: [{ id: 'CVE-2026-0001', severity: 'CRITICAL', rule: 'severityLimits.CRITICAL' }],
        blockingTotal: 1,
      };
    case 'REVOKED':
      return { ...judged, outcome, revokedAt: '2026-01-03T00:00:00.000Z' };
    case 'ERROR':
      return { ...base, outcome, error: { code: 'SCAN_FAILED', message: 'scan failed' } };
  }
};

export const approvedVerdict = (image: ImageRef): ApprovedVerdict => {
  const verdict = verdictFor(image, 'APPROVED');
  if (verdict.outcome !== 'APPROVED') throw new Error('unreachable');
  return verdict;
};

export const recordFor = (image: ImageRef, overrides: Partial<ImageRecord> = {}): ImageRecord => ({
  image,
  tags: ['v1'],
  status: 'DECIDED',
  verdict: verdictFor(image, 'APPROVED'),
  pushedAt: '2026-01-02T02:59:00.000Z',
  correlationId: 'push-event-1',
  version: 3,
  updatedAt: '2026-01-02T03:04:05.000Z',
  ...overrides,
});

export const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'tollgate-sign',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:tollgate-sign',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/tollgate-sign',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** Everything the handler wrote (Powertools logs and EMF metrics), one parsed JSON object a line. */
export const captureStdout = (): {
  readonly lines: () => Record<string, unknown>[];
  readonly restore: () => void;
} => {
  const chunks: string[] = [];
  const collect = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  // Powertools writes info and metrics to stdout, warnings and errors to stderr.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(collect),
    jest.spyOn(process.stderr, 'write').mockImplementation(collect),
  ];
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
};

/** The metric names an EMF blob published, with their values. */
export const emittedMetrics = (lines: readonly Record<string, unknown>[]): Record<string, unknown> => {
  const metrics: Record<string, unknown> = {};
  for (const line of lines) {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } | undefined;
    for (const group of aws?.CloudWatchMetrics ?? [])
      for (const metric of group.Metrics ?? []) metrics[metric.Name] = line[metric.Name];
  }
  return metrics;
};
