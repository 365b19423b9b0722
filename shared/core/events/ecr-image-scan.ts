import * as z from 'zod';
import { digestSchema, envelopeSchema, repositoryNameSchema, tagSchema } from './primitives';

export const ECR_IMAGE_SCAN = 'ECR Image Scan' as const;

/** Every status ECR documents. Anything but COMPLETE fails closed downstream. */
export const ECR_SCAN_STATUSES = [
  'COMPLETE',
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'FINDINGS_UNAVAILABLE',
  'SCAN_ELIGIBILITY_EXPIRED',
  'LIMIT_EXCEEDED',
  'IN_PROGRESS',
  'PENDING',
  'ACTIVE',
] as const;

export const severityCountsSchema = z.record(z.string(), z.number().int().nonnegative());

export const ecrImageScanDetailSchema = z.object({
  'scan-status': z.enum(ECR_SCAN_STATUSES),
  'repository-name': repositoryNameSchema,
  'finding-severity-counts': severityCountsSchema.default({}),
  'image-digest': digestSchema,
  'image-tags': z.array(tagSchema).default([]),
});

export const ecrImageScanEventSchema = envelopeSchema(ECR_IMAGE_SCAN, 'aws.ecr', ecrImageScanDetailSchema);
export type EcrImageScanEvent = z.output<typeof ecrImageScanEventSchema>;
