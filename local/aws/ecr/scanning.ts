import { matchesGlob, type Digest } from '../../../shared/core/domain';
import { scanCoverage, type RegistryScanning } from '../../../shared/app/push/scan-coverage';
import type { RequestReader } from '../input';
import { paginate } from '../pagination';
import { AwsApiError, epochSeconds } from '../protocol';
import { basicFinding, enhancedFinding, severityCounts } from '../scan/render-findings';
import type { ScanRecord, ScanType } from '../scan/simulated-scan';
import type { Operation } from '../service';
import type { EcrDeps } from './deps';
import { isContainerImage } from './image-action';
import { imageNotFound, readImageId, requireRepository, resolveImageId } from './image-ids';
import type { StoredManifest } from './registry';

const FREQUENCIES = ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN', 'MANUAL'] as const;

/**
 * Starts the scans a push triggers under the registry's scanning configuration: BASIC with SCAN_ON_PUSH,
 * or ENHANCED, for container images only. An index is not scanned itself; its children are, each once.
 */
export const scanOnPush = async (
  deps: EcrDeps,
  repository: string,
  digest: Digest,
  manifest: StoredManifest | undefined,
): Promise<void> => {
  const coverage = scanCoverage(deps.scanning.current, repository);
  if (coverage !== 'scan-on-push' && coverage !== 'enhanced') return;
  const targets =
    manifest?.parsed?.kind === 'index'
      ? manifest.parsed.manifest.manifests.map((child) => child.digest)
      : [digest];
  for (const target of targets) {
    if (deps.scanner.get(repository, target) !== undefined) continue;
    const stored = target === digest ? manifest : await deps.registry.manifest(repository, target);
    if (!isContainerImage(stored?.parsed)) continue;
    startScan(deps, repository, target);
  }
};

const startScan = (deps: EcrDeps, repository: string, digest: Digest): ScanRecord => {
  const config = deps.scanning.current;
  const scanType: ScanType = config.scanType;
  // Continuous enhanced scanning reports ACTIVE; every other finished scan COMPLETE.
  const continuous = config.rules.some(
    (rule) =>
      rule.scanFrequency === 'CONTINUOUS_SCAN' &&
      rule.repositoryFilters.some((filter) => matchesGlob(filter.filter, repository)),
  );
  return deps.scanner.start(
    repository,
    digest,
    scanType,
    scanType === 'ENHANCED' && continuous ? 'ACTIVE' : 'COMPLETE',
  );
};

export const scanningOperations = (deps: EcrDeps): Record<string, Operation> => ({
  GetRegistryScanningConfiguration: () =>
    Promise.resolve({ registryId: deps.context.accountId, scanningConfiguration: deps.scanning.current }),

  PutRegistryScanningConfiguration: (request) => {
    deps.scanning.current = readScanningConfiguration(request);
    return Promise.resolve({ registryScanningConfiguration: deps.scanning.current });
  },

  StartImageScan: async (request) => {
    const repository = request.string('repositoryName');
    await requireRepository(deps, repository);
    const id = readImageId(request, request.object('imageId'));
    const resolved = await resolveImageId(deps, repository, id);
    if (resolved.kind === 'failure') throw imageNotFound(deps, repository, id);
    if (deps.scanning.current.scanType === 'ENHANCED') {
      throw new AwsApiError(
        'ValidationException',
        'StartImageScan is not available for a registry with enhanced scanning.',
      );
    }
    const manifest = await deps.registry.manifest(repository, resolved.digest);
    if (!isContainerImage(manifest?.parsed)) {
      throw new AwsApiError(
        'UnsupportedImageTypeException',
        'The image is of a type that cannot be scanned.',
      );
    }
    if (deps.scanner.startedInThisLifetime(repository, resolved.digest)) {
      throw new AwsApiError(
        'LimitExceededException',
        'The scan quota per image has been exceeded. Wait and try again.',
      );
    }
    const scan = startScan(deps, repository, resolved.digest);
    return {
      registryId: deps.context.accountId,
      repositoryName: repository,
      imageId: {
        imageDigest: resolved.digest,
        ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }),
      },
      imageScanStatus: { status: scan.status, description: 'The scan is in progress (simulated).' },
    };
  },

  DescribeImageScanFindings: async (request) => {
    const repository = request.string('repositoryName');
    await requireRepository(deps, repository);
    const id = readImageId(request, request.object('imageId'));
    const resolved = await resolveImageId(deps, repository, id);
    if (resolved.kind === 'failure') throw imageNotFound(deps, repository, id);
    const scan = deps.scanner.get(repository, resolved.digest);
    if (scan === undefined) {
      throw new AwsApiError(
        'ScanNotFoundException',
        `Image scan does not exist for image with '{imageDigest:'${resolved.digest}', imageTag:'${id.imageTag ?? 'null'}'}' in the repository with name '${repository}' in the registry with id '${deps.context.accountId}'`,
      );
    }
    const base = {
      registryId: deps.context.accountId,
      repositoryName: repository,
      imageId: {
        imageDigest: resolved.digest,
        ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }),
      },
      imageScanStatus: {
        status: scan.status,
        ...(scan.description === undefined ? {} : { description: scan.description }),
      },
    };
    if (scan.completedAt === undefined) return base;
    const page = paginate(scan.findings, {
      maxResults: request.optionalNumber('maxResults'),
      nextToken: request.optionalString('nextToken'),
      defaultMax: 100,
      limit: 1000,
      errorType: 'InvalidParameterException',
    });
    const completedAt = new Date(scan.completedAt);
    const tags = scan.scanType === 'ENHANCED' ? await deps.registry.tagsOf(repository, resolved.digest) : [];
    return {
      ...base,
      imageScanFindings: {
        imageScanCompletedAt: epochSeconds(completedAt),
        vulnerabilitySourceUpdatedAt: epochSeconds(completedAt),
        findingSeverityCounts: severityCounts(scan.findings),
        ...(scan.scanType === 'BASIC'
          ? { findings: page.items.map(basicFinding) }
          : {
              enhancedFindings: page.items.map((finding) =>
                enhancedFinding(finding, {
                  accountId: deps.context.accountId,
                  region: deps.context.region,
                  repository,
                  digest: resolved.digest,
                  registryHost: deps.registry.host,
                  imageTags: tags,
                  observedAt: completedAt,
                }),
              ),
            }),
      },
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  },
});

/** Validated like ECR: BASIC or ENHANCED, known frequencies, WILDCARD filters; BASIC has no CONTINUOUS_SCAN. */
export const readScanningConfiguration = (request: RequestReader): RegistryScanning => {
  const scanType = request.optionalString('scanType') ?? 'BASIC';
  if (scanType !== 'BASIC' && scanType !== 'ENHANCED')
    throw request.invalid(`scanType ${scanType} is not BASIC or ENHANCED`);
  const rules = (request.optionalObjects('rules') ?? []).map((raw) => {
    const rule = request.child(raw);
    const scanFrequency = rule.string('scanFrequency');
    if (!(FREQUENCIES as readonly string[]).includes(scanFrequency)) {
      throw request.invalid(`scanFrequency ${scanFrequency} is not one of ${FREQUENCIES.join(', ')}`);
    }
    if (scanType === 'BASIC' && scanFrequency === 'CONTINUOUS_SCAN') {
      throw request.invalid('CONTINUOUS_SCAN needs scanType ENHANCED');
    }
    const repositoryFilters = (rule.optionalObjects('repositoryFilters') ?? []).map((rawFilter) => {
      const filter = rule.child(rawFilter);
      if (filter.string('filterType') !== 'WILDCARD') throw request.invalid('filterType must be WILDCARD');
      return { filter: filter.string('filter'), filterType: 'WILDCARD' as const };
    });
    return { scanFrequency: scanFrequency as (typeof FREQUENCIES)[number], repositoryFilters };
  });
  return { scanType, rules };
};
