import * as z from 'zod';
import { digestSchema, repositoryNameSchema } from '../events/primitives';
import { basicFindingSchema } from './basic-finding';
import { enhancedFindingSchema } from './enhanced-finding';
import { awsTimestampSchema } from './timestamp';

/**
 * One page of an ECR `DescribeImageScanFindings` response. Fields Tollgate does not read are let
 * through: AWS adds fields, and a new one must not fail a gate.
 */
export const scanFindingsPageSchema = z.object({
  registryId: z.string().optional(),
  repositoryName: repositoryNameSchema.optional(),
  imageId: z.object({ imageDigest: digestSchema, imageTag: z.string().optional() }),
  imageScanStatus: z.object({ status: z.string().min(1), description: z.string().optional() }),
  imageScanFindings: z
    .object({
      imageScanCompletedAt: awsTimestampSchema.optional(),
      vulnerabilitySourceUpdatedAt: awsTimestampSchema.optional(),
      findings: z.array(basicFindingSchema).optional(),
      enhancedFindings: z.array(enhancedFindingSchema).optional(),
    })
    .optional(),
  nextToken: z.string().optional(),
});

export type ScanFindingsPage = z.output<typeof scanFindingsPageSchema>;
