import type { Digest } from '../../shared/core/domain';
import type { RecordedEvent } from '../../local/aws';
import type { DeadLetter } from '../../local/lambda';
import type { VerdictRecordView } from '../../local/verdict-records';
import { IMAGE_VERDICT } from '../../shared/core/events/tollgate-detail-types';
import type { OciRegistryClient } from '../../shared/adapters/oci';
import { listReferrers, referrersTag } from '../../shared/adapters/oci';
import { BUNDLE_PREDICATE_TYPE_ANNOTATION } from '../../shared/core/formats/manifest/bundle-referrer';

export interface PushedImage {
  readonly repository: string;
  readonly digest: string;
}

/** What the registry holds for one image: signature layers and referrers, by format. */
export interface StoredSignatures {
  /** Layers of the cosign `sha256-<hex>.sig` manifest. */
  readonly legacyLayers: number;
  /**
   * Referrers by artifact and predicate type: as the referrers API lists them (the ECR front), or the
   * `sha256-<hex>` index where the registry has no API (plain Distribution), as signing and verifiers read them.
   */
  readonly referrersByType: Readonly<Record<string, number>>;
}

export const readSignatures = async (
  client: OciRegistryClient,
  image: PushedImage,
): Promise<StoredSignatures> => {
  const tag = referrersTag(image.digest as Digest);
  const legacy = await client.findManifest(image.repository, `${tag}.sig`);
  const legacyLayers =
    legacy === undefined
      ? 0
      : ((JSON.parse(legacy.bytes.toString('utf8')) as { layers?: unknown[] }).layers ?? []).length;
  const { descriptors } = await listReferrers(client, image.repository, image.digest as Digest);
  const referrersByType: Record<string, number> = {};
  for (const descriptor of descriptors) {
    // A Sigstore bundle and a vulnerability attestation share the artifact type; the predicate tells them apart.
    const predicate = descriptor.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
    const type = `${descriptor.artifactType ?? '(none)'}${predicate === undefined ? '' : ` ${predicate}`}`;
    referrersByType[type] = (referrersByType[type] ?? 0) + 1;
  }
  return { legacyLayers, referrersByType };
};

export const signatureCount = (stored: StoredSignatures): number =>
  stored.legacyLayers + Object.values(stored.referrersByType).reduce((sum, count) => sum + count, 0);

/** A layer or a referrer of one type stored more than once. */
export const duplicateCount = (stored: StoredSignatures): number =>
  Math.max(0, stored.legacyLayers - 1) +
  Object.values(stored.referrersByType).reduce((sum, count) => sum + Math.max(0, count - 1), 0);

/** Verdict events on the tollgate bus for the digest, in order. */
export const verdictEventsFor = (events: readonly RecordedEvent[], digest: string): RecordedEvent[] =>
  events.filter(
    (recorded) =>
      recorded.event['detail-type'] === IMAGE_VERDICT &&
      (recorded.event.detail.image as { digest?: string } | undefined)?.digest === digest,
  );

/** Dead letters whose event names the digest (ECR, Inspector, signing requests and schedules all carry it). */
export const deadLettersFor = (deadLetters: readonly DeadLetter[], digest: string): DeadLetter[] =>
  deadLetters.filter((letter) => JSON.stringify(letter.record.requestPayload).includes(digest));

export type ImageFate = 'decided' | 'dead-lettered' | 'lost';

export interface ImageAudit {
  readonly image: PushedImage;
  readonly fate: ImageFate;
  readonly outcome?: string;
  /** Distinct verdicts the bus carried for it; more than one is a flip. */
  readonly publishedVerdicts: readonly string[];
  readonly verdictEvents: number;
  readonly signatures: number;
  readonly duplicates: number;
  /** A DECIDED record with no verdict event, and no dead letter that explains it. */
  readonly eventLost: boolean;
  readonly deadLetters: number;
}

export const auditImage = async (
  image: PushedImage,
  record: VerdictRecordView | undefined,
  events: readonly RecordedEvent[],
  deadLetters: readonly DeadLetter[],
  client: OciRegistryClient,
): Promise<ImageAudit> => {
  const published = verdictEventsFor(events, image.digest);
  const publishedVerdicts = [...new Set(published.map((recorded) => String(recorded.event.detail.verdict)))];
  const letters = deadLettersFor(deadLetters, image.digest);
  const stored = await readSignatures(client, image);
  const decided = record?.status === 'DECIDED' && record.outcome !== undefined;
  const fate: ImageFate = letters.length > 0 ? 'dead-lettered' : decided ? 'decided' : 'lost';
  return {
    image,
    fate,
    ...(record?.outcome === undefined ? {} : { outcome: record.outcome }),
    publishedVerdicts,
    verdictEvents: published.length,
    signatures: signatureCount(stored),
    duplicates: duplicateCount(stored),
    eventLost: decided && letters.length === 0 && !publishedVerdicts.includes(record.outcome),
    deadLetters: letters.length,
  };
};

export interface AuditSummary {
  readonly images: number;
  readonly decided: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  readonly lost: number;
  readonly flipped: number;
  readonly duplicateSignatures: number;
  readonly signedButNotApproved: number;
  readonly eventsLost: number;
  readonly duplicateVerdictEvents: number;
}

export const summarize = (audits: readonly ImageAudit[]): AuditSummary => {
  const decided: Record<string, number> = {};
  for (const audit of audits) {
    if (audit.fate === 'decided') decided[audit.outcome!] = (decided[audit.outcome!] ?? 0) + 1;
  }
  return {
    images: audits.length,
    decided,
    deadLettered: audits.filter((audit) => audit.fate === 'dead-lettered').length,
    lost: audits.filter((audit) => audit.fate === 'lost').length,
    flipped: audits.filter((audit) => audit.publishedVerdicts.length > 1).length,
    duplicateSignatures: audits.reduce((sum, audit) => sum + audit.duplicates, 0),
    signedButNotApproved: audits.filter((audit) => audit.outcome !== 'APPROVED' && audit.signatures > 0)
      .length,
    eventsLost: audits.filter((audit) => audit.eventLost).length,
    duplicateVerdictEvents: audits.reduce((sum, audit) => sum + Math.max(0, audit.verdictEvents - 1), 0),
  };
};
