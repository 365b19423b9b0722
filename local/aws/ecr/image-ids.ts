import { isDigest, type Digest } from '../../../shared/core/domain';
import type { RequestReader } from '../input';
import { AwsApiError, type JsonObject } from '../protocol';
import type { EcrDeps } from './deps';

export interface ImageId {
  readonly imageDigest?: string;
  readonly imageTag?: string;
}

export type Resolved =
  | { readonly kind: 'found'; readonly digest: Digest; readonly tag?: string }
  | { readonly kind: 'failure'; readonly failureCode: string; readonly failureReason: string };

export const readImageIds = (request: RequestReader, name: string): ImageId[] =>
  (request.optionalObjects(name) ?? []).map((raw) => readImageId(request, raw));

export const readImageId = (request: RequestReader, raw: JsonObject): ImageId => {
  const reader = request.child(raw);
  const imageDigest = reader.optionalString('imageDigest');
  const imageTag = reader.optionalString('imageTag');
  if (imageDigest === undefined && imageTag === undefined) {
    throw request.invalid('An imageId needs an imageDigest or an imageTag.');
  }
  return {
    ...(imageDigest === undefined ? {} : { imageDigest }),
    ...(imageTag === undefined ? {} : { imageTag }),
  };
};

/** The repository exists when the registry lists it or CreateRepository/PutImageTagMutability made it. */
export const requireRepository = async (deps: EcrDeps, repository: string): Promise<void> => {
  if (deps.state.settings(repository) !== undefined) return;
  if ((await deps.registry.repositories()).includes(repository)) return;
  throw repositoryNotFound(deps, repository);
};

export const repositoryNotFound = (deps: EcrDeps, repository: string): AwsApiError =>
  new AwsApiError(
    'RepositoryNotFoundException',
    `The repository with name '${repository}' does not exist in the registry with id '${deps.context.accountId}'`,
  );

export const imageNotFound = (deps: EcrDeps, repository: string, id: ImageId): AwsApiError =>
  new AwsApiError(
    'ImageNotFoundException',
    `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository}' in the registry with id '${deps.context.accountId}'`,
  );

/** Finds the image an imageId names, as ECR does: a tag must still point at a given digest. */
export const resolveImageId = async (deps: EcrDeps, repository: string, id: ImageId): Promise<Resolved> => {
  const notFound: Resolved = {
    kind: 'failure',
    failureCode: 'ImageNotFound',
    failureReason: 'Requested image not found',
  };
  if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) {
    return {
      kind: 'failure',
      failureCode: 'InvalidImageDigest',
      failureReason: 'Invalid request parameters: image digest should satisfy the regex',
    };
  }
  const byTag =
    id.imageTag === undefined ? undefined : await deps.registry.resolveTag(repository, id.imageTag);
  if (id.imageTag !== undefined && byTag === undefined) return notFound;
  if (id.imageDigest !== undefined && byTag !== undefined && byTag !== id.imageDigest) {
    return {
      kind: 'failure',
      failureCode: 'ImageTagDoesNotMatchDigest',
      failureReason: 'Invalid request parameters: given tag does not map to the given digest',
    };
  }
  const digest = id.imageDigest ?? byTag;
  if (
    digest === undefined ||
    (byTag === undefined && (await deps.registry.client.headManifest(repository, digest)) === undefined)
  ) {
    return notFound;
  }
  return { kind: 'found', digest, ...(id.imageTag === undefined ? {} : { tag: id.imageTag }) };
};

export const failure = (id: ImageId, resolved: Extract<Resolved, { kind: 'failure' }>): JsonObject => ({
  imageId: id,
  failureCode: resolved.failureCode,
  failureReason: resolved.failureReason,
});
