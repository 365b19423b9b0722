import type { ImageRecord, SignatureFormat } from '../../shared/core/domain';
import {
  PLACE_NAMES,
  OWN_PLACES,
  type OwnArtifact,
  type OwnPlace,
  type RegistryState,
} from './status-registry';

/** What `tollgate status` compares against: the defaults, or the deployed configuration with `--config`. */
export interface StatusSettings {
  /** The formats the signer writes (`signatures.formats`). */
  readonly formats: readonly SignatureFormat[];
  /** `attestation.refreshAfterHours`. */
  readonly refreshAfterHours: number;
  /** `scanTimeoutMinutes`. */
  readonly scanTimeoutMinutes: number;
  /** The deployed policy's digest: only known with `--config`. */
  readonly policyDigest?: string;
  /** `revocation`: only known with `--config`. */
  readonly revocation?: 'alert' | 'remove-signatures';
}

export interface StatusFacts {
  readonly record: ImageRecord | undefined;
  /** Whether the registry still holds the image. */
  readonly inRegistry: boolean;
  readonly registry: RegistryState;
}

/** The newest of our attestations (the bundle, else the `.att` copy): how old its scan is. */
export interface AttestationAge {
  readonly reference: string;
  /** Absent when it names no scan time. */
  readonly scanFinishedOn?: string;
  readonly ageMs?: number;
  /** Older than `attestation.refreshAfterHours`. */
  readonly refreshDue: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** `9 days`, `30 hours`, `12 minutes`: the largest unit that reads as at least two of it. */
export const formatAge = (ms: number): string => {
  if (ms >= 2 * DAY_MS) return `${Math.floor(ms / DAY_MS)} days`;
  if (ms >= 2 * HOUR_MS) return `${Math.floor(ms / HOUR_MS)} hours`;
  if (ms >= 120_000) return `${Math.floor(ms / 60_000)} minutes`;
  return 'under 2 minutes';
};

export const attestationAge = (
  registry: RegistryState,
  settings: Pick<StatusSettings, 'refreshAfterHours'>,
  now: Date,
): AttestationAge | undefined => {
  const bundles = registry.ours['vuln-attestation'].filter((artifact) => artifact.valid);
  const candidates =
    bundles.length > 0 ? bundles : registry.ours['vuln-attestation-att'].filter((a) => a.valid);
  const newest = [...candidates].sort((a, b) => timeOf(b.scanFinishedOn) - timeOf(a.scanFinishedOn))[0];
  if (newest === undefined) return undefined;
  if (newest.scanFinishedOn === undefined) return { reference: newest.reference, refreshDue: true };
  const ageMs = Math.max(0, now.getTime() - Date.parse(newest.scanFinishedOn));
  return {
    reference: newest.reference,
    scanFinishedOn: newest.scanFinishedOn,
    ageMs,
    refreshDue: ageMs > settings.refreshAfterHours * HOUR_MS,
  };
};

/**
 * Where the record and the registry disagree, one line each, in the words an on-call engineer reads. Empty: they
 * agree. Pure: the record, what the registry holds (sorted by signature into ours and others'), and the clock.
 */
export const findDisagreements = (facts: StatusFacts, settings: StatusSettings, now: Date): string[] => {
  const { record, inRegistry, registry } = facts;
  const lines: string[] = [];
  const present = OWN_PLACES.filter((place) => registry.ours[place].length > 0);
  const state =
    record === undefined
      ? 'no record'
      : record.status === 'DECIDED' && record.verdict !== undefined
        ? record.verdict.outcome
        : record.status;

  if (record === undefined) {
    lines.push(
      inRegistry
        ? 'no record: never judged (run tollgate backfill)'
        : 'no record, and the registry does not hold the image either',
    );
  } else if (record.status === 'DELETED') {
    if (inRegistry) {
      lines.push('recorded as deleted, yet the registry holds it: the next sweep judges it again');
    }
  } else if (!inRegistry) {
    lines.push(`${state} but the registry no longer holds the image (a lost delete event?)`);
  }

  if (record?.status === 'PENDING_SCAN') {
    const waited = now.getTime() - Date.parse(record.updatedAt);
    if (waited > settings.scanTimeoutMinutes * 60_000) {
      lines.push(
        `pending a scan for ${formatAge(waited)}, past the scan timeout (scanTimeoutMinutes ${settings.scanTimeoutMinutes}): the next sweep times it out`,
      );
    }
  }

  if (state === 'APPROVED' && inRegistry) {
    lines.push(...approvedLines(registry, settings, now));
  } else if (present.length > 0 && inRegistry) {
    const kept =
      state === 'REVOKED' && settings.revocation === 'alert'
        ? ' (revocation: alert keeps them; remove-signatures would take them off)'
        : '';
    lines.push(
      `${state} but our signatures are present: ${present.map((p) => PLACE_NAMES[p]).join(', ')}${kept}`,
    );
  }

  const verdict = record?.status === 'DECIDED' ? record.verdict : undefined;
  if (verdict !== undefined && settings.policyDigest !== undefined) {
    // As the sweep decides it: an ERROR no policy decided (a scan that never came) is not the policy's to revisit.
    const judgedByPolicy = verdict.outcome !== 'ERROR' || verdict.policyDigest !== undefined;
    if (judgedByPolicy && verdict.policyDigest !== settings.policyDigest) {
      lines.push(
        `decided under policy ${verdict.policyDigest ?? '(none recorded)'}, not the configured ${settings.policyDigest}: the next sweep judges it again`,
      );
    }
  }

  if (record?.announcementPending === true && verdict !== undefined) {
    lines.push(
      `announcement pending: the ${verdict.outcome} verdict is recorded but its event is not yet on the bus`,
    );
  }

  for (const signature of record?.signatures ?? []) {
    if (!holds(registry, signature.format, signature.reference)) {
      lines.push(
        `record names a signature the registry does not hold: ${signature.format} ${signature.reference}`,
      );
    }
  }
  return lines;
};

const DUPLICATES: Readonly<Record<OwnPlace, string>> = {
  'cosign-legacy': 'layers of ours in the .sig',
  'sigstore-bundle': 'signature bundles of ours',
  'vuln-attestation': 'attestations of ours',
  'vuln-attestation-att': 'layers of ours in the .att',
};

const approvedLines = (registry: RegistryState, settings: StatusSettings, now: Date): string[] => {
  const lines: string[] = [];
  const expected: OwnPlace[] = settings.formats.flatMap((format): OwnPlace[] =>
    format === 'vuln-attestation' ? ['vuln-attestation', 'vuln-attestation-att'] : [format],
  );
  const hidden =
    registry.unreadable.length > 0
      ? ` (${registry.unreadable.length} unreadable artifact(s) may hide it)`
      : '';
  for (const place of expected) {
    const artifacts: readonly OwnArtifact[] = registry.ours[place];
    const valid = artifacts.filter((artifact) => artifact.valid);
    if (artifacts.length === 0) {
      lines.push(`APPROVED but no ${PLACE_NAMES[place]}${hidden}`);
    } else if (valid.length === 0) {
      lines.push(
        `APPROVED but our ${PLACE_NAMES[place]} does not hold for this image: ${artifacts[0]!.reason}`,
      );
    }
    // One of ours per digest and place: the signer converges on one and removes the rest.
    if (artifacts.length > 1) lines.push(`${artifacts.length} ${DUPLICATES[place]} (one expected)`);
  }
  if (settings.formats.includes('vuln-attestation')) {
    const age = attestationAge(registry, settings, now);
    if (age?.refreshDue === true) {
      lines.push(
        age.ageMs === undefined
          ? 'attestation names no scan time (scanFinishedOn), refresh due'
          : `attestation ${formatAge(age.ageMs)} old, refresh due (attestation.refreshAfterHours ${settings.refreshAfterHours})`,
      );
    }
  }
  return lines;
};

/** Whether a reference the record names is what the registry holds of ours. */
const holds = (registry: RegistryState, format: SignatureFormat, reference: string): boolean => {
  const artifacts = registry.ours[format];
  // The `.sig` manifest's digest changes whenever any signer adds a layer: ours is there if our layer is.
  if (format === 'cosign-legacy') return artifacts.length > 0;
  const digest = reference.slice(reference.lastIndexOf('@') + 1);
  return artifacts.some((artifact) => artifact.reference.endsWith(`@${digest}`));
};

const timeOf = (iso: string | undefined): number => (iso === undefined ? 0 : Date.parse(iso) || 0);
