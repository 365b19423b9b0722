import type { RevokedVerdict, Verdict } from '../domain/verdict';

/**
 * The verdict to record when an image is judged again (a new finding, a new policy, an expired
 * exception). An image that was approved, and so may carry signatures, and is now refused becomes
 * REVOKED, so the signatures are dealt with. An ERROR is no refusal: it stays an ERROR, and as it
 * is not APPROVED nothing new is signed. A REVOKED image stays revoked, from when it first was,
 * until a verdict approves it again.
 */
export const reevaluate = (previous: Verdict | undefined, next: Verdict): Verdict => {
  if (next.outcome !== 'REJECTED') return next;
  if (previous?.outcome === 'APPROVED') {
    return revoked(next, next.decidedAt, `revoked: approved at ${previous.decidedAt}, refused now`);
  }
  if (previous?.outcome === 'REVOKED') {
    return revoked(next, previous.revokedAt, `still revoked since ${previous.revokedAt}`);
  }
  return next;
};

const revoked = (
  next: Verdict & { readonly outcome: 'REJECTED' },
  revokedAt: string,
  line: string,
): RevokedVerdict => ({
  ...next,
  outcome: 'REVOKED',
  revokedAt,
  reasons: [line, ...next.reasons],
});
