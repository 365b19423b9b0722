import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeRepositoriesCommand,
  GetRegistryScanningConfigurationCommand,
  LimitExceededException,
  PutImageTagMutabilityCommand,
  RepositoryNotFoundException,
  StartImageScanCommand,
  DescribeImagesCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import type { Digest } from '../../../core/domain/digest';
import { UnknownRepositoryError } from '../../../core/domain/errors';
import type { EcrControl, StartScanResult, StoredManifest } from '../../../app/ports/ecr-control';
import type { RepositoryMutability } from '../../../app/push/immutability';
import type { RegistryScanning } from '../../../app/push/scan-coverage';
import { MANIFEST_MEDIA_TYPES } from '../../../core/oci/media-types';

/** EcrControl over the AWS SDK v3. Throttling and 5xx are retried by the SDK; what is left is thrown. */
export class SdkEcrControl implements EcrControl {
  private scanning: Promise<RegistryScanning> | undefined;
  readonly #mutability = new Map<string, { readonly value: RepositoryMutability; readonly at: number }>();

  /**
   * @param mutabilityCacheMs how long a repository's tag mutability, read or set here, is taken as known: every push
   *   needs it, and a repository's setting changes seldom (and Tollgate is what changes it). A change made outside is
   *   seen at the latest this much later. @default 5 minutes
   */
  public constructor(
    private readonly client: ECRClient,
    private readonly mutabilityCacheMs = 5 * 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  public async repositoryMutability(repository: string): Promise<RepositoryMutability> {
    const known = this.#mutability.get(repository);
    if (known !== undefined && this.now() - known.at < this.mutabilityCacheMs) return known.value;
    const value = await this.readMutability(repository);
    this.#mutability.set(repository, { value, at: this.now() });
    return value;
  }

  private async readMutability(repository: string): Promise<RepositoryMutability> {
    try {
      const { repositories } = await this.client.send(
        new DescribeRepositoriesCommand({ repositoryNames: [repository] }),
      );
      const found = repositories?.[0];
      if (found === undefined) throw new UnknownRepositoryError(repository);
      return {
        mutability: found.imageTagMutability ?? 'MUTABLE',
        exclusionFilters: (found.imageTagMutabilityExclusionFilters ?? []).map((filter) => ({
          filterType: 'WILDCARD' as const,
          filter: filter.filter ?? '',
        })),
      };
    } catch (error) {
      if (error instanceof RepositoryNotFoundException)
        throw new UnknownRepositoryError(repository, { cause: error });
      throw error;
    }
  }

  public async putRepositoryMutability(repository: string, target: RepositoryMutability): Promise<void> {
    this.#mutability.delete(repository);
    await this.client.send(
      new PutImageTagMutabilityCommand({
        repositoryName: repository,
        imageTagMutability: target.mutability,
        imageTagMutabilityExclusionFilters: target.exclusionFilters.map((filter) => ({ ...filter })),
      }),
    );
    this.#mutability.set(repository, { value: target, at: this.now() });
  }

  public scanningConfiguration(): Promise<RegistryScanning> {
    this.scanning ??= this.readScanning().catch((error: unknown) => {
      // A failed read must not be cached: the next invocation asks again.
      this.scanning = undefined;
      throw error;
    });
    return this.scanning;
  }

  public async startImageScan(repository: string, digest: Digest): Promise<StartScanResult> {
    try {
      await this.client.send(
        new StartImageScanCommand({ repositoryName: repository, imageId: { imageDigest: digest } }),
      );
      return { kind: 'started' };
    } catch (error) {
      if (!(error instanceof LimitExceededException)) throw error;
      const { imageDetails } = await this.client.send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
      );
      const status = imageDetails?.[0]?.imageScanStatus?.status;
      return status === undefined ? { kind: 'limit-exceeded' } : { kind: 'limit-exceeded', status };
    }
  }

  public async manifest(repository: string, digest: Digest): Promise<StoredManifest | undefined> {
    const { images } = await this.client.send(
      new BatchGetImageCommand({
        repositoryName: repository,
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
      }),
    );
    const image = images?.[0];
    if (image?.imageManifest === undefined) return undefined;
    return image.imageManifestMediaType === undefined
      ? { manifest: image.imageManifest }
      : { manifest: image.imageManifest, mediaType: image.imageManifestMediaType };
  }

  public async untag(repository: string, tag: string): Promise<void> {
    await this.client.send(
      new BatchDeleteImageCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
  }

  private async readScanning(): Promise<RegistryScanning> {
    const { scanningConfiguration } = await this.client.send(new GetRegistryScanningConfigurationCommand({}));
    return {
      scanType: scanningConfiguration?.scanType === 'ENHANCED' ? 'ENHANCED' : 'BASIC',
      rules: (scanningConfiguration?.rules ?? []).map((rule) => ({
        scanFrequency: rule.scanFrequency ?? 'MANUAL',
        repositoryFilters: (rule.repositoryFilters ?? []).map((filter) => ({
          filter: filter.filter ?? '',
          filterType: 'WILDCARD' as const,
        })),
      })),
    };
  }
}
