import type { Digest } from '../../../shared/core/domain';
import { paginate } from '../pagination';
import { epochSeconds, type JsonObject } from '../protocol';
import { severityCounts } from '../scan/render-findings';
import type { Operation } from '../service';
import type { EcrDeps } from './deps';
import { artifactMediaType } from './image-action';
import {
  failure,
  imageNotFound,
  readImageIds,
  requireRepository,
  resolveImageId,
  type ImageId,
} from './image-ids';
import type { PushObserver } from './push-observer';

/** DescribeImages, ListImages, BatchGetImage, BatchDeleteImage over the registry. */
export const imageOperations = (deps: EcrDeps, pushes: PushObserver): Record<string, Operation> => ({
  DescribeImages: async (request) => {
    const repository = request.string('repositoryName');
    await requireRepository(deps, repository);
    const ids = readImageIds(request, 'imageIds');
    const tags = await deps.registry.tags(repository);
    let digests: Digest[];
    if (ids.length > 0) {
      digests = [];
      for (const id of ids) {
        const resolved = await resolveImageId(deps, repository, id);
        // Unlike the Batch operations, DescribeImages fails as a whole for an image that is not there.
        if (resolved.kind === 'failure') throw imageNotFound(deps, repository, id);
        if (!digests.includes(resolved.digest)) digests.push(resolved.digest);
      }
    } else {
      digests = await allDigests(deps, repository, tags);
    }
    const tagStatus = request.optionalObject('filter')?.tagStatus ?? 'ANY';
    const details = (await Promise.all(digests.map((digest) => imageDetail(deps, repository, digest, tags))))
      .filter((detail): detail is JsonObject => detail !== undefined)
      .filter((detail) => {
        const tagged = (detail.imageTags as string[] | undefined) !== undefined;
        return tagStatus === 'ANY' || (tagStatus === 'TAGGED') === tagged;
      });
    const page = paginate(details, {
      maxResults: request.optionalNumber('maxResults'),
      nextToken: request.optionalString('nextToken'),
      defaultMax: 100,
      limit: 1000,
      errorType: 'InvalidParameterException',
    });
    return {
      imageDetails: page.items,
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  },

  ListImages: async (request) => {
    const repository = request.string('repositoryName');
    await requireRepository(deps, repository);
    const tags = await deps.registry.tags(repository);
    const tagged = [...tags].map(([imageTag, imageDigest]) => ({ imageDigest, imageTag }));
    const untagged = (await allDigests(deps, repository, tags))
      .filter((digest) => ![...tags.values()].includes(digest))
      .map((imageDigest) => ({ imageDigest }));
    const tagStatus = request.optionalObject('filter')?.tagStatus ?? 'ANY';
    const ids =
      tagStatus === 'TAGGED' ? tagged : tagStatus === 'UNTAGGED' ? untagged : [...tagged, ...untagged];
    const page = paginate(ids, {
      maxResults: request.optionalNumber('maxResults'),
      nextToken: request.optionalString('nextToken'),
      defaultMax: 100,
      limit: 1000,
      errorType: 'InvalidParameterException',
    });
    return { imageIds: page.items, ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
  },

  BatchGetImage: async (request) => {
    const repository = request.string('repositoryName');
    await requireRepository(deps, repository);
    const accepted = request.optionalStrings('acceptedMediaTypes');
    const images: JsonObject[] = [];
    const failures: JsonObject[] = [];
    for (const id of readImageIds(request, 'imageIds')) {
      const resolved = await resolveImageId(deps, repository, id);
      const manifest =
        resolved.kind === 'found' ? await deps.registry.manifest(repository, resolved.digest) : undefined;
      if (resolved.kind === 'failure' || manifest === undefined) {
        failures.push(
          resolved.kind === 'failure'
            ? failure(id, resolved)
            : { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
        );
      } else if (accepted !== undefined && !accepted.includes(manifest.mediaType)) {
        failures.push({
          imageId: id,
          failureCode: 'UnsupportedImageType',
          failureReason: `The manifest media type ${manifest.mediaType} is not one of acceptedMediaTypes`,
        });
      } else {
        images.push({
          registryId: deps.context.accountId,
          repositoryName: repository,
          imageId: {
            imageDigest: resolved.digest,
            ...(resolved.tag === undefined ? {} : { imageTag: resolved.tag }),
          },
          imageManifest: manifest.bytes.toString('utf8'),
          imageManifestMediaType: manifest.mediaType,
        });
      }
    }
    return { images, failures };
  },

  BatchDeleteImage: async (request) => {
    const repository = request.string('repositoryName');
    await requireRepository(deps, repository);
    const imageIds: ImageId[] = [];
    const failures: JsonObject[] = [];
    for (const id of readImageIds(request, 'imageIds')) {
      const resolved = await resolveImageId(deps, repository, id);
      if (resolved.kind === 'failure') {
        failures.push(failure(id, resolved));
        continue;
      }
      if (id.imageTag !== undefined && id.imageDigest === undefined) {
        await pushes.untag(repository, id.imageTag, resolved.digest);
      } else {
        await pushes.deleteImage(repository, resolved.digest);
      }
      imageIds.push({
        imageDigest: resolved.digest,
        ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }),
      });
    }
    return { imageIds, failures };
  },
});

/** Every image ECR would list: the digests the tags point to, and the ones seen pushed untagged. */
const allDigests = async (
  deps: EcrDeps,
  repository: string,
  tags: ReadonlyMap<string, Digest>,
): Promise<Digest[]> => {
  const digests = new Set<Digest>(tags.values());
  for (const digest of deps.state.pushedDigests(repository)) {
    if (digests.has(digest as Digest)) continue;
    if ((await deps.registry.client.headManifest(repository, digest)) !== undefined)
      digests.add(digest as Digest);
  }
  return [...digests];
};

const imageDetail = async (
  deps: EcrDeps,
  repository: string,
  digest: Digest,
  tags: ReadonlyMap<string, Digest>,
): Promise<JsonObject | undefined> => {
  const manifest = await deps.registry.manifest(repository, digest);
  if (manifest === undefined) return undefined;
  // Distribution keeps no push time; the first time the stand-in saw the image stands in for it.
  deps.state.rememberPush(repository, digest, deps.context.now());
  const pushedAt = deps.state.pushedAt(repository, digest) ?? deps.context.now();
  const imageTags = [...tags].filter(([, target]) => target === digest).map(([tag]) => tag);
  const parsed = manifest.parsed;
  const size =
    parsed?.kind === 'image'
      ? parsed.manifest.layers.reduce((sum, layer) => sum + layer.size, parsed.manifest.config.size)
      : manifest.bytes.length;
  const artifact = artifactMediaType(parsed);
  const scan = deps.scanner.get(repository, digest);
  return {
    registryId: deps.context.accountId,
    repositoryName: repository,
    imageDigest: digest,
    ...(imageTags.length === 0 ? {} : { imageTags }),
    imageSizeInBytes: size,
    imagePushedAt: epochSeconds(pushedAt),
    imageManifestMediaType: manifest.mediaType,
    ...(artifact === undefined ? {} : { artifactMediaType: artifact }),
    ...(parsed?.manifest.subject === undefined
      ? {}
      : { subjectManifestDigest: parsed.manifest.subject.digest }),
    imageStatus: 'ACTIVE',
    ...(scan === undefined
      ? {}
      : {
          imageScanStatus: {
            status: scan.status,
            ...(scan.description === undefined ? {} : { description: scan.description }),
          },
          ...(scan.completedAt === undefined
            ? {}
            : {
                imageScanFindingsSummary: {
                  imageScanCompletedAt: epochSeconds(new Date(scan.completedAt)),
                  vulnerabilitySourceUpdatedAt: epochSeconds(new Date(scan.completedAt)),
                  findingSeverityCounts: severityCounts(scan.findings),
                },
              }),
        }),
  };
};
