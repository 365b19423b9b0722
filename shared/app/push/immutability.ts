/** ECR's tag mutability settings, as DescribeRepositories reports them. */
export type TagMutability = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';

export interface ExclusionFilter {
  readonly filterType: 'WILDCARD';
  readonly filter: string;
}

export interface RepositoryMutability {
  readonly mutability: TagMutability;
  readonly exclusionFilters: readonly ExclusionFilter[];
}

/**
 * Signature (`sha256-<hex>.sig`) and referrers-index (`sha256-<hex>`) tags are rewritten every time a
 * signature is added. Under plain IMMUTABLE the second signer's push is refused, so they stay writable.
 */
export const SIGNATURE_TAG_EXCLUSION: ExclusionFilter = { filterType: 'WILDCARD', filter: 'sha256-*' };

export type ImmutabilityPlan =
  | { readonly kind: 'compliant' }
  | {
      readonly kind: 'update';
      readonly target: RepositoryMutability;
      /** Logged, so the change to a customer's repository always says why it was made. */
      readonly why: string;
    }
  | { readonly kind: 'violation'; readonly message: string };

const hasSignatureExclusion = (filters: readonly ExclusionFilter[]): boolean =>
  filters.some(
    (filter) =>
      filter.filterType === SIGNATURE_TAG_EXCLUSION.filterType &&
      filter.filter === SIGNATURE_TAG_EXCLUSION.filter,
  );

/** What to do about a repository's tag mutability, in `enforce` or `report` mode. Pure. */
export const planImmutability = (
  current: RepositoryMutability,
  mode: 'enforce' | 'report',
): ImmutabilityPlan => {
  if (current.mutability === 'IMMUTABLE_WITH_EXCLUSION' && hasSignatureExclusion(current.exclusionFilters)) {
    return { kind: 'compliant' };
  }
  if (mode === 'report') {
    return {
      kind: 'violation',
      message: `tags are ${current.mutability}; a tag can be moved to another digest after it was judged`,
    };
  }
  const target: RepositoryMutability = {
    mutability: 'IMMUTABLE_WITH_EXCLUSION',
    exclusionFilters:
      current.mutability === 'IMMUTABLE_WITH_EXCLUSION'
        ? [...current.exclusionFilters, SIGNATURE_TAG_EXCLUSION]
        : [SIGNATURE_TAG_EXCLUSION],
  };
  const why =
    current.mutability === 'IMMUTABLE'
      ? 'plain IMMUTABLE refuses the rewrite of sha256-* signature tags, so a second signature could never be added; moving to IMMUTABLE_WITH_EXCLUSION keeps every other tag immutable'
      : `tags were ${current.mutability}; a tag could be moved to an unjudged digest`;
  return { kind: 'update', target, why };
};
