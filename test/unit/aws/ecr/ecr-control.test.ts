import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  LimitExceededException,
  PutImageTagMutabilityCommand,
  RepositoryNotFoundException,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { SdkEcrControl } from '../../../../shared/adapters/aws/ecr';
import { UnknownRepositoryError, type Digest } from '../../../../shared/core/domain';
import { MANIFEST_MEDIA_TYPES } from '../../../../shared/core/oci/media-types';

const ecr = mockClient(ECRClient);
const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;
const control = (): SdkEcrControl => new SdkEcrControl(new ECRClient({}));
const meta = { $metadata: {} };

beforeEach(() => ecr.reset());

describe('SdkEcrControl', () => {
  describe('repositoryMutability', () => {
    it('reads the mutability and exclusion filters from DescribeRepositories', async () => {
      ecr.on(DescribeRepositoriesCommand).resolves({
        repositories: [
          {
            repositoryName: 'payments/api',
            imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
            imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'sha256-*' }],
          },
        ],
      });
      await expect(control().repositoryMutability('payments/api')).resolves.toEqual({
        mutability: 'IMMUTABLE_WITH_EXCLUSION',
        exclusionFilters: [{ filterType: 'WILDCARD', filter: 'sha256-*' }],
      });
      expect(ecr).toHaveReceivedCommandWith(DescribeRepositoriesCommand, {
        repositoryNames: ['payments/api'],
      });
    });

    it('reads a repository once per cache period, and knows what it set itself', async () => {
      ecr.on(DescribeRepositoriesCommand).resolves({
        repositories: [{ repositoryName: 'payments/api', imageTagMutability: 'MUTABLE' }],
      });
      let now = 0;
      const cached = new SdkEcrControl(new ECRClient({}), 60_000, () => now);
      await cached.repositoryMutability('payments/api');
      await cached.repositoryMutability('payments/api');
      expect(ecr).toHaveReceivedCommandTimes(DescribeRepositoriesCommand, 1);
      const target = {
        mutability: 'IMMUTABLE_WITH_EXCLUSION' as const,
        exclusionFilters: [{ filterType: 'WILDCARD' as const, filter: 'sha256-*' }],
      };
      await cached.putRepositoryMutability('payments/api', target);
      await expect(cached.repositoryMutability('payments/api')).resolves.toEqual(target);
      expect(ecr).toHaveReceivedCommandTimes(DescribeRepositoriesCommand, 1);
      // A change made outside Tollgate is seen once the period is over.
      now = 60_001;
      await expect(cached.repositoryMutability('payments/api')).resolves.toMatchObject({
        mutability: 'MUTABLE',
      });
      expect(ecr).toHaveReceivedCommandTimes(DescribeRepositoriesCommand, 2);
    });

    it('turns RepositoryNotFoundException into a terminal UnknownRepositoryError', async () => {
      ecr
        .on(DescribeRepositoriesCommand)
        .rejects(new RepositoryNotFoundException({ message: 'nope', ...meta }));
      await expect(control().repositoryMutability('gone')).rejects.toBeInstanceOf(UnknownRepositoryError);
    });
  });

  it('puts the exact target with its exclusion filters', async () => {
    ecr.on(PutImageTagMutabilityCommand).resolves({});
    await control().putRepositoryMutability('payments/api', {
      mutability: 'IMMUTABLE_WITH_EXCLUSION',
      exclusionFilters: [{ filterType: 'WILDCARD', filter: 'sha256-*' }],
    });
    expect(ecr).toHaveReceivedCommandWith(PutImageTagMutabilityCommand, {
      repositoryName: 'payments/api',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'sha256-*' }],
    });
  });

  describe('scanningConfiguration', () => {
    it('is read once per container', async () => {
      ecr.on(GetRegistryScanningConfigurationCommand).resolves({
        scanningConfiguration: {
          scanType: 'BASIC',
          rules: [
            {
              scanFrequency: 'SCAN_ON_PUSH',
              repositoryFilters: [{ filter: 'payments/*', filterType: 'WILDCARD' }],
            },
          ],
        },
      });
      const adapter = control();
      const first = await adapter.scanningConfiguration();
      await adapter.scanningConfiguration();
      expect(first).toEqual({
        scanType: 'BASIC',
        rules: [
          {
            scanFrequency: 'SCAN_ON_PUSH',
            repositoryFilters: [{ filter: 'payments/*', filterType: 'WILDCARD' }],
          },
        ],
      });
      expect(ecr).toHaveReceivedCommandTimes(GetRegistryScanningConfigurationCommand, 1);
    });

    it('does not cache a failure', async () => {
      ecr
        .on(GetRegistryScanningConfigurationCommand)
        .rejectsOnce(new Error('throttled'))
        .resolves({ scanningConfiguration: { scanType: 'ENHANCED', rules: [] } });
      const adapter = control();
      await expect(adapter.scanningConfiguration()).rejects.toThrow('throttled');
      await expect(adapter.scanningConfiguration()).resolves.toEqual({ scanType: 'ENHANCED', rules: [] });
    });
  });

  describe('startImageScan', () => {
    it('starts a scan of the digest', async () => {
      ecr.on(StartImageScanCommand).resolves({});
      await expect(control().startImageScan('payments/api', DIGEST)).resolves.toEqual({ kind: 'started' });
      expect(ecr).toHaveReceivedCommandWith(StartImageScanCommand, {
        repositoryName: 'payments/api',
        imageId: { imageDigest: DIGEST },
      });
    });

    it('LimitExceededException: reports the status of the scan already on record', async () => {
      ecr
        .on(StartImageScanCommand)
        .rejects(new LimitExceededException({ message: 'one scan per image per 24 hours', ...meta }));
      ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageScanStatus: { status: 'COMPLETE' } }] });
      await expect(control().startImageScan('payments/api', DIGEST)).resolves.toEqual({
        kind: 'limit-exceeded',
        status: 'COMPLETE',
      });
      expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
        repositoryName: 'payments/api',
        imageIds: [{ imageDigest: DIGEST }],
      });
    });

    it('LimitExceededException with no scan status on record', async () => {
      ecr.on(StartImageScanCommand).rejects(new LimitExceededException({ message: 'limit', ...meta }));
      ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{}] });
      await expect(control().startImageScan('payments/api', DIGEST)).resolves.toEqual({
        kind: 'limit-exceeded',
      });
    });

    it('other errors are thrown for Lambda to retry', async () => {
      ecr.on(StartImageScanCommand).rejects(new Error('ServiceUnavailable'));
      await expect(control().startImageScan('payments/api', DIGEST)).rejects.toThrow('ServiceUnavailable');
    });
  });

  describe('manifest', () => {
    it('reads the manifest by digest, accepting every manifest and index type', async () => {
      ecr.on(BatchGetImageCommand).resolves({
        images: [
          {
            imageManifest: '{"schemaVersion":2}',
            imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
          },
        ],
      });
      await expect(control().manifest('payments/api', DIGEST)).resolves.toEqual({
        manifest: '{"schemaVersion":2}',
        mediaType: 'application/vnd.oci.image.index.v1+json',
      });
      expect(ecr).toHaveReceivedCommandWith(BatchGetImageCommand, {
        repositoryName: 'payments/api',
        imageIds: [{ imageDigest: DIGEST }],
        acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
      });
    });

    it('is undefined when the image is gone', async () => {
      ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: 'ImageNotFound' }] });
      await expect(control().manifest('payments/api', DIGEST)).resolves.toBeUndefined();
    });
  });

  it('untag deletes only the tag', async () => {
    ecr.on(BatchDeleteImageCommand).resolves({});
    await control().untag('payments/api', 'latest');
    expect(ecr).toHaveReceivedCommandWith(BatchDeleteImageCommand, {
      repositoryName: 'payments/api',
      imageIds: [{ imageTag: 'latest' }],
    });
  });
});
