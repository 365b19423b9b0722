export { SdkEcrControl } from './ecr-control';
export { EcrRegistryHost } from './registry-host';
export { EcrFindingsReader, FINDINGS_PAGE_SIZE } from './findings-reader';
export { EcrRegistryInventory, INVENTORY_PAGE_SIZE } from './registry-inventory';
