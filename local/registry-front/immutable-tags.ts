import { ociError, type CannedAnswer } from './faults';

/** ECR's tag mutability settings that matter for signatures. */
export type TagMutabilitySetting =
  | { readonly mutability: 'MUTABLE' }
  | { readonly mutability: 'IMMUTABLE' }
  | { readonly mutability: 'IMMUTABLE_WITH_EXCLUSION'; readonly exclusionFilters: readonly string[] };

// ECR's WILDCARD filter: `*` matches any characters; nothing else is special.
const matches = (filter: string, tag: string): boolean =>
  new RegExp(
    `^${filter
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(tag);

export const isImmutable = (setting: TagMutabilitySetting, tag: string): boolean => {
  switch (setting.mutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !setting.exclusionFilters.some((filter) => matches(filter, tag));
  }
};

/**
 * ECR's OCI endpoint refusing a manifest PUT to an immutable tag that already exists: 400 `TAG_INVALID` with
 * ECR's message (it refuses even the same digest). New tags, pushes by digest and deletes pass.
 */
export const tagInvalid = (repository: string, tag: string): CannedAnswer =>
  ociError(
    400,
    'TAG_INVALID',
    `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the tag is immutable.`,
  );
