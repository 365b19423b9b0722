import { scanCoverage } from '../../../shared/app/push/scan-coverage';
import type { ExclusionFilter, TagMutability } from '../../../shared/app/push/immutability';
import { repositoryArn } from '../context';
import type { RequestReader } from '../input';
import { paginate } from '../pagination';
import { AwsApiError, epochSeconds } from '../protocol';
import type { Operation } from '../service';
import type { EcrDeps } from './deps';
import type { RepositorySettings } from './ecr-state';
import { repositoryNotFound } from './image-ids';

const MUTABILITIES: readonly TagMutability[] = [
  'MUTABLE',
  'IMMUTABLE',
  'IMMUTABLE_WITH_EXCLUSION',
  'MUTABLE_WITH_EXCLUSION',
];

/**
 * DescribeRepositories, CreateRepository and PutImageTagMutability. Repositories are the registry's
 * catalog plus those created here. Mutability is stored and reported, not enforced: Distribution accepts
 * every overwrite of a tag.
 */
export const repositoryOperations = (deps: EcrDeps): Record<string, Operation> => ({
  DescribeRepositories: async (request) => {
    const names = request.optionalStrings('repositoryNames');
    const known = [
      ...new Set([...(await deps.registry.repositories()), ...deps.state.knownRepositories()]),
    ].sort();
    const missing = names?.find((name) => !known.includes(name));
    if (missing !== undefined) throw repositoryNotFound(deps, missing);
    const page = paginate(names ?? known, {
      maxResults: request.optionalNumber('maxResults'),
      nextToken: request.optionalString('nextToken'),
      defaultMax: 100,
      limit: 1000,
      errorType: 'InvalidParameterException',
    });
    return {
      repositories: page.items.map((name) => describe(deps, name)),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  },

  CreateRepository: async (request) => {
    const name = request.string('repositoryName');
    const exists =
      deps.state.settings(name) !== undefined || (await deps.registry.repositories()).includes(name);
    if (exists) {
      throw new AwsApiError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${deps.context.accountId}'`,
      );
    }
    const mutability = readMutability(request, 'MUTABLE');
    deps.state.putSettings(name, { ...mutability, createdAt: deps.context.now().toISOString() });
    return { repository: describe(deps, name) };
  },

  PutImageTagMutability: async (request) => {
    const name = request.string('repositoryName');
    const current = deps.state.settings(name);
    if (current === undefined && !(await deps.registry.repositories()).includes(name))
      throw repositoryNotFound(deps, name);
    const mutability = readMutability(request);
    deps.state.putSettings(name, {
      ...mutability,
      createdAt: current?.createdAt ?? deps.context.now().toISOString(),
    });
    return {
      registryId: deps.context.accountId,
      repositoryName: name,
      imageTagMutability: mutability.mutability,
      imageTagMutabilityExclusionFilters: mutability.exclusionFilters,
    };
  },
});

/** ECR's rule: exclusion filters come with, and only with, the *_WITH_EXCLUSION settings. */
const readMutability = (
  request: RequestReader,
  fallback?: TagMutability,
): Omit<RepositorySettings, 'createdAt'> => {
  const value = request.optionalString('imageTagMutability') ?? fallback;
  if (value === undefined) throw request.invalid('imageTagMutability is required');
  if (!(MUTABILITIES as readonly string[]).includes(value)) {
    throw request.invalid(`imageTagMutability ${value} is not one of ${MUTABILITIES.join(', ')}`);
  }
  const mutability = value as TagMutability;
  const filters: ExclusionFilter[] = (
    request.optionalObjects('imageTagMutabilityExclusionFilters') ?? []
  ).map((raw) => {
    const filter = request.child(raw);
    if (filter.string('filterType') !== 'WILDCARD') throw request.invalid('filterType must be WILDCARD');
    const pattern = filter.string('filter');
    if (!/^[a-zA-Z0-9._*-]{1,128}$/.test(pattern))
      throw request.invalid(`filter ${pattern} is not a valid tag wildcard`);
    return { filterType: 'WILDCARD', filter: pattern };
  });
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && filters.length === 0) {
    throw request.invalid(`imageTagMutabilityExclusionFilters are required with ${mutability}`);
  }
  if (!withExclusion && filters.length > 0) {
    throw request.invalid(
      `imageTagMutabilityExclusionFilters are only allowed with a *_WITH_EXCLUSION setting, not ${mutability}`,
    );
  }
  return { mutability, exclusionFilters: filters };
};

const describe = (deps: EcrDeps, name: string): Record<string, unknown> => {
  const settings = deps.state.settings(name);
  const mutability = settings?.mutability ?? 'MUTABLE';
  return {
    repositoryArn: repositoryArn(deps.context, name),
    registryId: deps.context.accountId,
    repositoryName: name,
    repositoryUri: `${deps.registry.host}/${name}`,
    createdAt: epochSeconds(settings === undefined ? new Date(0) : new Date(settings.createdAt)),
    imageTagMutability: mutability,
    ...(settings === undefined || settings.exclusionFilters.length === 0
      ? {}
      : { imageTagMutabilityExclusionFilters: settings.exclusionFilters }),
    imageScanningConfiguration: { scanOnPush: scanCoverage(deps.scanning.current, name) === 'scan-on-push' },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
};
