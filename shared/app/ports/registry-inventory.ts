import type { InventoryImage } from '../reconcile/plan';

export interface InventoryPage<T> {
  readonly items: readonly T[];
  /** Absent on the last page. */
  readonly nextToken?: string;
}

/** What is in the registry, page by page (ECR DescribeRepositories and DescribeImages). */
export interface RegistryInventory {
  repositories(nextToken?: string): Promise<InventoryPage<string>>;
  /** @returns undefined when the repository is gone (deleted since it was listed). */
  images(repository: string, nextToken?: string): Promise<InventoryPage<InventoryImage> | undefined>;
}
