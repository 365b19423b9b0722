import * as z from 'zod';
import { SEVERITIES } from '../domain/finding';
import { inspectorCvssSchema, inspectorPackageSchema } from '../findings/inspector-finding';
import { digestSchema, envelopeSchema, eventTimeSchema, repositoryNameSchema, tagSchema } from './primitives';

export const INSPECTOR2_FINDING = 'Inspector2 Finding' as const;

const vulnerablePackageSchema = inspectorPackageSchema.extend({
  packageManager: z.string().optional(),
  release: z.string().optional(),
  epoch: z.number().optional(),
  arch: z.string().optional(),
  remediation: z.string().optional(),
  sourceLayerHash: z.string().optional(),
});

const ecrImageResourceSchema = z.object({
  details: z.object({
    awsEcrContainerImage: z.object({
      imageHash: digestSchema,
      repositoryName: repositoryNameSchema,
      imageTags: z.array(tagSchema).default([]),
      architecture: z.string().optional(),
      platform: z.string().optional(),
      pushedAt: eventTimeSchema.optional(),
      registry: z.string().optional(),
    }),
  }),
  id: z.string(),
  type: z.literal('AWS_ECR_CONTAINER_IMAGE'),
  partition: z.string().optional(),
  region: z.string().optional(),
});

export const inspector2FindingDetailSchema = z.object({
  awsAccountId: z.string().optional(),
  findingArn: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  severity: z.enum(SEVERITIES),
  status: z.enum(['ACTIVE', 'SUPPRESSED', 'CLOSED']),
  type: z.string(),
  exploitAvailable: z.enum(['YES', 'NO']).optional(),
  fixAvailable: z.enum(['YES', 'NO', 'PARTIAL']).optional(),
  firstObservedAt: eventTimeSchema.optional(),
  lastObservedAt: eventTimeSchema.optional(),
  updatedAt: eventTimeSchema,
  packageVulnerabilityDetails: z
    .object({
      vulnerabilityId: z.string().min(1),
      cvss: z.array(inspectorCvssSchema).default([]),
      sourceUrl: z.string().optional(),
      source: z.string().optional(),
      vendorSeverity: z.string().optional(),
      vendorCreatedAt: eventTimeSchema.optional(),
      referenceUrls: z.array(z.string()).default([]),
      relatedVulnerabilities: z.array(z.string()).default([]),
      vulnerablePackages: z.array(vulnerablePackageSchema).default([]),
    })
    .optional(),
  remediation: z.unknown().optional(),
  // Inspector findings cover EC2 and Lambda too; Tollgate only ever acts on container images.
  resources: z.array(ecrImageResourceSchema).min(1),
});

export const inspector2FindingEventSchema = envelopeSchema(
  INSPECTOR2_FINDING,
  'aws.inspector2',
  inspector2FindingDetailSchema,
);
export type Inspector2FindingEvent = z.output<typeof inspector2FindingEventSchema>;
