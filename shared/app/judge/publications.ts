import type { TollgateConfig } from '../../core/config';
import type { ImageRecord } from '../../core/domain/image-record';
import { signingRequestedEvent } from '../../core/events/signing-requested';
import { verdictEvent } from '../../core/events/verdict-event';
import type { OutgoingEvent } from '../ports/event-publisher';
import type { RecordedVerdict } from './recorded-verdict';

/** What decides which events a verdict announces: whether anything is signed, and what revocation does. */
export interface PublicationSettings {
  readonly signatures: Pick<TollgateConfig['signatures'], 'formats'>;
  readonly revocation: TollgateConfig['revocation'];
}

export interface PublicationInput {
  /** The record as saved with the new verdict. */
  readonly record: ImageRecord;
  readonly verdict: RecordedVerdict;
  readonly settings: PublicationSettings;
  readonly correlationId?: string;
}

/**
 * What a new decision announces. Pure.
 * - APPROVED goes to signing first when any format is on; the signer publishes the public verdict with
 *   the signatures in it. With no format on, the verdict is published here.
 * - A platform image of an index is never signed on its own: signing the index signs its children too
 *   (cosign --recursive), and the index's verdict speaks for them. Its refusals are still published.
 * - REJECTED and ERROR are published. REVOKED is published with the signatures the image carries, and,
 *   with `revocation: remove-signatures`, asks the signer to take Tollgate's own signatures off.
 */
export const publications = ({
  record,
  verdict,
  settings,
  correlationId,
}: PublicationInput): OutgoingEvent[] => {
  const correlation = correlationId === undefined ? {} : { correlationId };
  const request = {
    registry: record.image.registry,
    repository: record.image.repository,
    digest: record.image.digest,
    ...correlation,
  };
  const child = record.parent !== undefined;
  // Whatever the outcome, the event lists the signatures the image carries: an ERROR after an approval
  // does not remove them, and consumers should know they are there.
  const signatures = record.signatures ?? [];
  switch (verdict.outcome) {
    case 'APPROVED':
      if (child) return [];
      if (settings.signatures.formats.length > 0)
        return [signingRequestedEvent({ action: 'sign', ...request })];
      return [verdictEvent({ record, verdict, signatures, ...correlation })];
    case 'REJECTED':
    case 'ERROR':
      return [verdictEvent({ record, verdict, signatures, ...correlation })];
    case 'REVOKED': {
      const published = verdictEvent({ record, verdict, signatures, ...correlation });
      if (settings.revocation !== 'remove-signatures' || child) return [published];
      return [published, signingRequestedEvent({ action: 'remove', ...request })];
    }
  }
};
