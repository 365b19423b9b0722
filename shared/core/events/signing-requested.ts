import * as z from 'zod';
import type { ImageRef } from '../domain/image-ref';
import { withScope } from '../domain/image-scope';
import { digestSchema, imageScopeSchema, repositoryNameSchema } from './primitives';
import { SIGNING_REQUESTED, TOLLGATE_SOURCE } from './tollgate-detail-types';

export const SIGNING_ACTIONS = ['sign', 'remove'] as const;

/** `sign` an approved image; `remove` Tollgate's own signatures from a revoked one (`revocation: remove-signatures`). */
export type SigningAction = (typeof SIGNING_ACTIONS)[number];

/**
 * The internal hand-off from judging to signing. It names the image only: the signer re-reads the record
 * and decides from that, so a stale or duplicated request can never sign what is no longer approved.
 */
export const signingRequestedDetailSchema = z.strictObject({
  action: z.enum(SIGNING_ACTIONS),
  /** The registry host the record names; the signer refuses a request whose host disagrees with it. */
  registry: z.string().min(1),
  repository: repositoryNameSchema,
  digest: digestSchema,
  /** A spoke's image: the account and region it is in. Absent for the hub's own. */
  scope: imageScopeSchema.optional(),
  correlationId: z.string().min(1).optional(),
});

export type SigningRequestedDetail = z.output<typeof signingRequestedDetailSchema>;

/**
 * The envelope as EventBridge delivers it to the signer. Only what the signer reads is required; an archive
 * replay carries `replay-name`, and a replay must never sign again.
 */
export const signingRequestedEventSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal(SIGNING_REQUESTED),
  source: z.literal(TOLLGATE_SOURCE),
  time: z.string().optional(),
  'replay-name': z.string().optional(),
  detail: signingRequestedDetailSchema,
});

export type SigningRequestedEvent = z.output<typeof signingRequestedEventSchema>;

/** The detail for one image; `correlationId` is the id of the event that started the pipeline. Pure. */
export const signingRequestedDetail = (
  action: SigningAction,
  image: Pick<ImageRef, 'registry' | 'repository' | 'digest' | 'scope'>,
  correlationId?: string,
): SigningRequestedDetail => ({
  action,
  registry: image.registry,
  repository: image.repository,
  digest: image.digest,
  ...withScope(image.scope),
  ...(correlationId === undefined ? {} : { correlationId }),
});

/** The outgoing event (for the EventPublisher port) carrying `detail`. */
export const signingRequestedEvent = (
  detail: SigningRequestedDetail,
): { readonly detailType: typeof SIGNING_REQUESTED; readonly detail: SigningRequestedDetail } => ({
  detailType: SIGNING_REQUESTED,
  detail,
});
