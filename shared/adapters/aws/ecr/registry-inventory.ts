import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  RepositoryNotFoundException,
  type ECRClient,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { isDigest } from '../../../core/domain/digest';
import type { InventoryPage, RegistryInventory } from '../../../app/ports/registry-inventory';
import type { InventoryImage } from '../../../app/reconcile/plan';

/** ECR's largest page for both calls: fewer calls per sweep. */
export const INVENTORY_PAGE_SIZE = 1000;

/** RegistryInventory over DescribeRepositories and DescribeImages. Throttling and 5xx are retried by the SDK. */
export class EcrRegistryInventory implements RegistryInventory {
  public constructor(private readonly client: ECRClient) {}

  public async repositories(nextToken?: string): Promise<InventoryPage<string>> {
    const page = await this.client.send(
      new DescribeRepositoriesCommand({
        maxResults: INVENTORY_PAGE_SIZE,
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    );
    return {
      items: (page.repositories ?? []).flatMap((repository) =>
        repository.repositoryName === undefined ? [] : [repository.repositoryName],
      ),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  public async images(
    repository: string,
    nextToken?: string,
  ): Promise<InventoryPage<InventoryImage> | undefined> {
    try {
      const page = await this.client.send(
        new DescribeImagesCommand({
          repositoryName: repository,
          maxResults: INVENTORY_PAGE_SIZE,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
      return {
        items: (page.imageDetails ?? []).flatMap((detail) => inventoryImage(repository, detail)),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      };
    } catch (error) {
      if (error instanceof RepositoryNotFoundException) return undefined;
      throw error;
    }
  }
}

// A detail without a well-formed digest names nothing Tollgate could judge or sign: left out, never guessed at.
const inventoryImage = (repository: string, detail: ImageDetail): InventoryImage[] => {
  if (detail.imageDigest === undefined || !isDigest(detail.imageDigest)) return [];
  const scanCompletedAt = detail.imageScanFindingsSummary?.imageScanCompletedAt;
  return [
    {
      repository,
      digest: detail.imageDigest,
      tags: detail.imageTags ?? [],
      pushedAt: (detail.imagePushedAt ?? new Date(0)).toISOString(),
      ...(detail.lastRecordedPullTime === undefined
        ? {}
        : { lastPulledAt: detail.lastRecordedPullTime.toISOString() }),
      ...(detail.imageManifestMediaType === undefined
        ? {}
        : { manifestMediaType: detail.imageManifestMediaType }),
      ...(detail.artifactMediaType === undefined ? {} : { artifactMediaType: detail.artifactMediaType }),
      ...(scanCompletedAt === undefined ? {} : { scanCompletedAt: scanCompletedAt.toISOString() }),
    },
  ];
};
