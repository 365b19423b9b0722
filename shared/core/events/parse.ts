import { inspectorFinding } from '../findings/inspector-finding';
import { fieldPath } from '../domain/field-path';
import type { z } from 'zod';
import { EventValidationError, UnknownDetailTypeError, type ValidationIssue } from '../domain/errors';
import { SEVERITIES, type Severity, type SeverityCounts } from '../domain/finding';
import { ECR_IMAGE_ACTION, ecrImageActionEventSchema } from './ecr-image-action';
import { ECR_IMAGE_SCAN, ecrImageScanEventSchema } from './ecr-image-scan';
import { INSPECTOR2_FINDING, inspector2FindingEventSchema } from './inspector2-finding';
import { INSPECTOR2_SCAN, inspector2ScanEventSchema } from './inspector2-scan';
import type {
  EventOrigin,
  FindingEvent,
  ImageActionEvent,
  ImageScanEvent,
  TollgateEvent,
} from './normalized';

/** zod paths become the dotted field names users see in errors and logs. */
export const toValidationIssues = (error: z.ZodError): ValidationIssue[] =>
  error.issues.map((issue) => ({
    field: fieldPath(issue.path),
    message: issue.message,
  }));

const parseWith = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = schema.safeParse(input);
  if (!result.success) throw new EventValidationError(toValidationIssues(result.error));
  return result.data;
};

const origin = (event: {
  id: string;
  time: string;
  account: string;
  region: string;
  'replay-name'?: string | undefined;
}): EventOrigin => ({
  eventId: event.id,
  time: event.time,
  account: event.account,
  region: event.region,
  ...(event['replay-name'] === undefined ? {} : { replayName: event['replay-name'] }),
});

const severityCounts = (raw: Record<string, number>): SeverityCounts => {
  const counts: SeverityCounts = {};
  for (const [key, value] of Object.entries(raw)) {
    // Inspector adds a TOTAL; it is derived, not a severity.
    if ((SEVERITIES as readonly string[]).includes(key)) counts[key as Severity] = value;
  }
  return counts;
};

export const parseImageActionEvent = (input: unknown): ImageActionEvent =>
  normalizeImageActionEvent(parseWith(ecrImageActionEventSchema, input));

/** For callers that validated with the schema already (the Powertools parser middleware). */
export const normalizeImageActionEvent = (
  event: z.output<typeof ecrImageActionEventSchema>,
): ImageActionEvent => {
  const d = event.detail;
  return {
    kind: 'image-action',
    ...origin(event),
    action: d['action-type'],
    result: d.result,
    repository: d['repository-name'],
    digest: d['image-digest'],
    ...(d['image-tag'] === undefined ? {} : { tag: d['image-tag'] }),
    ...(d['manifest-media-type'] === undefined ? {} : { manifestMediaType: d['manifest-media-type'] }),
    ...(d['artifact-media-type'] === undefined ? {} : { artifactMediaType: d['artifact-media-type'] }),
  };
};

export const parseImageScanEvent = (input: unknown): ImageScanEvent => {
  const detailType = (input as { 'detail-type'?: unknown } | null)?.['detail-type'];
  if (detailType === INSPECTOR2_SCAN) {
    const event = parseWith(inspector2ScanEventSchema, input);
    const d = event.detail;
    return {
      kind: 'image-scan',
      ...origin(event),
      scanner: 'INSPECTOR',
      status: d['scan-status'],
      repository: d['repository-name'],
      digest: d['image-digest'],
      tags: d['image-tags'],
      severityCounts: severityCounts(d['finding-severity-counts']),
    };
  }
  const event = parseWith(ecrImageScanEventSchema, input);
  const d = event.detail;
  return {
    kind: 'image-scan',
    ...origin(event),
    scanner: 'ECR_BASIC',
    status: d['scan-status'],
    repository: d['repository-name'],
    digest: d['image-digest'],
    tags: d['image-tags'],
    severityCounts: severityCounts(d['finding-severity-counts']),
  };
};

export const parseFindingEvent = (input: unknown): FindingEvent => {
  const event = parseWith(inspector2FindingEventSchema, input);
  const d = event.detail;
  return {
    kind: 'finding',
    ...origin(event),
    findingArn: d.findingArn,
    status: d.status,
    updatedAt: d.updatedAt,
    images: d.resources.map((resource) => {
      const image = resource.details.awsEcrContainerImage;
      return { repository: image.repositoryName, digest: image.imageHash, tags: image.imageTags };
    }),
    finding: inspectorFinding(d, d.packageVulnerabilityDetails?.vulnerabilityId ?? d.title ?? d.findingArn),
  };
};

const PARSERS: Readonly<Record<string, (input: unknown) => TollgateEvent>> = {
  [ECR_IMAGE_ACTION]: parseImageActionEvent,
  [ECR_IMAGE_SCAN]: parseImageScanEvent,
  [INSPECTOR2_SCAN]: parseImageScanEvent,
  [INSPECTOR2_FINDING]: parseFindingEvent,
};

/**
 * Parses any event Tollgate consumes into its normalized form.
 * @throws EventValidationError naming the first bad field, or UnknownDetailTypeError.
 */
export const parseEvent = (input: unknown): TollgateEvent => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new EventValidationError([{ field: '(root)', message: 'expected an EventBridge event object' }]);
  }
  const detailType = (input as Record<string, unknown>)['detail-type'];
  if (typeof detailType !== 'string') {
    throw new EventValidationError([{ field: 'detail-type', message: 'expected a string' }]);
  }
  const parser = PARSERS[detailType];
  if (parser === undefined) throw new UnknownDetailTypeError(detailType);
  return parser(input);
};
