import type { TollgateEvent } from '../../core/events';
import { imageKeyParts } from '../../core/domain/image-ref';
import type { Digest } from '../../core/domain/digest';
import type { ImageKeyParts } from '../ports/verdict-store';
import { attachmentTag } from '../push/own-artifact';
import { judgeImage, type JudgeDeps, type JudgeOutcome } from './judge-image';

/** What one scan or finding event came to. */
export type ScanEventOutcome =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'judged'; readonly replay: boolean; readonly outcomes: readonly JudgeOutcome[] };

/** Told of each image's outcome as it is decided, with what the event said about it (for the logs). */
export type OutcomeObserver = (
  outcome: JudgeOutcome,
  image: { readonly repository: string; readonly digest: string },
  fields: Readonly<Record<string, unknown>>,
) => void;

/**
 * `ECR Image Scan` (any status), `Inspector2 Scan` (INITIAL_SCAN_COMPLETE) and `Inspector2 Finding` (ACTIVE)
 * → a verdict per image. An archive replay is re-examined, never acted on: no write, no signing request, no
 * alert (`dryRun`).
 */
export const judgeScanEvent = async (
  deps: JudgeDeps,
  event: TollgateEvent,
  observe: OutcomeObserver,
): Promise<ScanEventOutcome> => {
  const replay = event.replayName !== undefined;
  switch (event.kind) {
    case 'image-scan': {
      // ECR scans our own attachments too (their pushes are images to it): two of every image's three scan events.
      // on-push keeps no record of an attachment, so the read that would learn so is skipped. The tags are the
      // pusher's word, but heeding them only skips: an image pushed under such tags alone has no record either,
      // and stays unjudged and unsigned, as after the read. Any other tag, and the image is judged.
      if (event.tags.length > 0 && event.tags.every((tag) => attachmentTag(tag) !== undefined)) {
        return { kind: 'ignored', reason: 'a scan of a signature or attestation, by its tags' };
      }
      const outcome = await judgeImage(deps, scoped(deps, event), event.eventId, {
        reportedStatus: event.status,
        dryRun: replay,
      });
      observe(outcome, event, { scanner: event.scanner, status: event.status });
      return { kind: 'judged', replay, outcomes: [outcome] };
    }
    case 'finding': {
      if (event.status !== 'ACTIVE') return { kind: 'ignored', reason: `finding status ${event.status}` };
      const outcomes: JudgeOutcome[] = [];
      // Usually one image; Inspector may list several that share the vulnerable layer.
      for (const image of event.images) {
        const outcome = await judgeImage(deps, scoped(deps, image), event.eventId, {
          reportedFinding: event.finding,
          // The first verdict comes from the scan event; a finding only re-evaluates a judged image.
          onlyIfDecided: true,
          dryRun: replay,
        });
        observe(outcome, image, { finding: event.finding.id, findingArn: event.findingArn });
        outcomes.push(outcome);
      }
      return { kind: 'judged', replay, outcomes };
    }
    case 'image-action':
      // Routed to on-push, never here; a mis-wired rule must not start judging pushes.
      return { kind: 'ignored', reason: 'ECR Image Action is handled by on-push' };
  }
};

/** The image an event names, in the account and region the event came from (its adapters act there). */
const scoped = (
  deps: JudgeDeps,
  image: { readonly repository: string; readonly digest: Digest },
): ImageKeyParts => imageKeyParts({ ...image, scope: deps.scope });
