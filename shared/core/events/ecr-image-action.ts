import * as z from 'zod';
import { digestSchema, envelopeSchema, repositoryNameSchema, tagSchema } from './primitives';

export const ECR_IMAGE_ACTION = 'ECR Image Action' as const;

export const ecrImageActionDetailSchema = z.object({
  result: z.enum(['SUCCESS', 'FAILURE']),
  'repository-name': repositoryNameSchema,
  'image-digest': digestSchema,
  'action-type': z.enum(['PUSH', 'DELETE']),
  // Absent on a push by digest (`docker push repo@sha256:…`, `crane` index children).
  'image-tag': tagSchema.optional(),
  'manifest-media-type': z.string().optional(),
  'artifact-media-type': z.string().optional(),
});

export const ecrImageActionEventSchema = envelopeSchema(
  ECR_IMAGE_ACTION,
  'aws.ecr',
  ecrImageActionDetailSchema,
);
export type EcrImageActionEvent = z.output<typeof ecrImageActionEventSchema>;
