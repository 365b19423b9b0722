import * as z from 'zod';
import { digestSchema, envelopeSchema, repositoryArnSchema, tagSchema } from './primitives';
import { severityCountsSchema } from './ecr-image-scan';

export const INSPECTOR2_SCAN = 'Inspector2 Scan' as const;

export const inspector2ScanDetailSchema = z.object({
  'scan-status': z.string().min(1),
  // Unlike ECR's own scan event, Inspector names the repository by ARN.
  'repository-name': repositoryArnSchema,
  'finding-severity-counts': severityCountsSchema.default({}),
  'image-digest': digestSchema,
  'image-tags': z.array(tagSchema).default([]),
  version: z.string().optional(),
});

export const inspector2ScanEventSchema = envelopeSchema(
  INSPECTOR2_SCAN,
  'aws.inspector2',
  inspector2ScanDetailSchema,
);
export type Inspector2ScanEvent = z.output<typeof inspector2ScanEventSchema>;
