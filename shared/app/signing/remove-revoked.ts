import { ConcurrentUpdateError } from '../../core/domain/errors';
import { imageKey, imageKeyParts } from '../../core/domain/image-ref';
import type { ImageKeyParts, VerdictStore } from '../ports/verdict-store';
import {
  removeOwnSignatures,
  type RemovedSignatures,
  type RemoveSignaturesDeps,
} from './remove-own-signatures';
import type { SigningRequest } from './sign-approved';
import { signable } from './signable';

export interface RemoveRevokedDeps {
  readonly store: VerdictStore;
  /** Bound to the registry host ECR itself reports. */
  readonly signing: RemoveSignaturesDeps;
}

export type RemoveRevokedOutcome =
  | { readonly kind: 'removed'; readonly removed: RemovedSignatures }
  /** Nothing touched: the image is APPROVED again (a later decision wins), or the request names another registry. */
  | { readonly kind: 'skipped'; readonly reason: string };

/**
 * `revocation: remove-signatures`: takes Tollgate's own signatures off a revoked image, so admission controllers
 * stop admitting new pods of it. Other signers' signatures stay. The record decides, not the request: requests
 * and re-approvals can arrive in any order, and an image approved again keeps its signatures. Publishes
 * nothing, because on-scan already published the REVOKED verdict listing the signatures it had.
 */
export const removeRevokedSignatures = async (
  deps: RemoveRevokedDeps,
  request: SigningRequest,
): Promise<RemoveRevokedOutcome> => {
  const key: ImageKeyParts = imageKeyParts(request);
  const record = await deps.store.get(key);
  if (signable(record, imageKey(key)).ok) {
    return { kind: 'skipped', reason: `${imageKey(key)} is APPROVED again; its signatures stay` };
  }
  const host = deps.signing.registry.host;
  if (request.registry !== host || (record !== undefined && record.image.registry !== host)) {
    return {
      kind: 'skipped',
      reason: `the request names registry ${request.registry}, the record ${record?.image.registry ?? '(none)'}, but ECR serves ${host}`,
    };
  }
  const removed = await removeOwnSignatures(deps.signing, key, { children: record?.children ?? [] });
  await forgetSignatures(deps.store, key);
  return { kind: 'removed', removed };
};

// The record stops listing signatures that no longer exist. One re-read on a lost race, as signing does.
const forgetSignatures = async (store: VerdictStore, key: ImageKeyParts): Promise<void> => {
  for (let attempt = 0; ; attempt += 1) {
    const record = await store.get(key);
    if (record === undefined || (record.signatures ?? []).length === 0 || signable(record, '').ok) return;
    try {
      await store.saveSignatures(key, [], record.version);
      return;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt > 0) throw error;
    }
  }
};
