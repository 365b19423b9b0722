import type { ParsedManifest } from '../../../shared/adapters/oci';
import { envelope, type EventEnvelope } from '../event-envelope';

export interface ImageAction {
  readonly action: 'PUSH' | 'DELETE';
  readonly repository: string;
  readonly digest: string;
  /** Absent on a push by digest, as in ECR. */
  readonly tag?: string;
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
}

export interface EventOrigin {
  readonly accountId: string;
  readonly region: string;
  /** @default now */
  readonly time?: Date;
  /** @default a random UUID */
  readonly id?: string;
}

/**
 * The `ECR Image Action` event ECR puts on the default bus for a push or delete, key for key. The
 * orchestrator uses it too, for pushes it finds by polling a registry that sends no notifications.
 */
export const imageActionEvent = (action: ImageAction, origin: EventOrigin): EventEnvelope =>
  envelope({
    source: 'aws.ecr',
    detailType: 'ECR Image Action',
    resources: [],
    accountId: origin.accountId,
    region: origin.region,
    ...(origin.time === undefined ? {} : { time: origin.time }),
    ...(origin.id === undefined ? {} : { id: origin.id }),
    detail: {
      result: 'SUCCESS',
      'repository-name': action.repository,
      'image-digest': action.digest,
      'action-type': action.action,
      ...(action.tag === undefined ? {} : { 'image-tag': action.tag }),
      ...(action.manifestMediaType === undefined ? {} : { 'manifest-media-type': action.manifestMediaType }),
      ...(action.artifactMediaType === undefined ? {} : { 'artifact-media-type': action.artifactMediaType }),
    },
  });

/**
 * ECR's `artifactMediaType`: the manifest's artifactType, else its config's media type (so a plain image
 * reports `application/vnd.oci.image.config.v1+json`); an index has none unless it declares one.
 */
export const artifactMediaType = (manifest: ParsedManifest | undefined): string | undefined => {
  if (manifest === undefined) return undefined;
  if (manifest.manifest.artifactType !== undefined) return manifest.manifest.artifactType;
  return manifest.kind === 'image' ? manifest.manifest.config.mediaType : undefined;
};

const IMAGE_CONFIGS: readonly string[] = [
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
];

/** A runnable image, as opposed to an index or an artifact (signature, attestation) that nothing scans. */
export const isContainerImage = (manifest: ParsedManifest | undefined): boolean =>
  manifest?.kind === 'image' &&
  manifest.manifest.artifactType === undefined &&
  IMAGE_CONFIGS.includes(manifest.manifest.config.mediaType);
