import type { Digest } from '../../core/domain/digest';
import { imageKeyParts } from '../../core/domain/image-ref';
import type { ImageKeyParts } from '../ports/verdict-store';
import { judgeImage, type JudgeDeps, type JudgeOutcome } from './judge-image';

export interface RejudgeRequest extends ImageKeyParts {
  /** The platform images of an index, as its record lists them; empty for a single image. */
  readonly children: readonly Digest[];
}

/**
 * Judges an image again with the deployed policy, as the signer asks before signing an approval recorded under
 * another policy. For an index, each platform image is judged first and the index once after them all, so the
 * index is never decided from a mix of old and new verdicts. Recorded and announced like any other decision.
 * @returns the verdict the image holds afterwards, or the outcome's kind when it holds none
 */
export const rejudge = async (deps: JudgeDeps, request: RejudgeRequest, note: string): Promise<string> => {
  const key = imageKeyParts(request);
  for (const child of request.children) {
    await judgeImage(deps, { ...key, digest: child }, undefined, {
      onlyIfDecided: true,
      withIndex: false,
      note,
    });
  }
  return held(await judgeImage(deps, key, undefined, { note }));
};

const held = (outcome: JudgeOutcome): string =>
  outcome.kind === 'decided' || outcome.kind === 'unchanged' ? outcome.verdict.outcome : outcome.kind;
