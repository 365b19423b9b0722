import { matchesGlob } from '../domain/glob';
import type { ImageRecord } from '../domain/image-record';
import { SIGNATURE_FORMATS, type SignatureFormat } from '../domain/signature-format';
import type { AppliedException, BlockingFinding, VerdictOutcome } from '../domain/verdict';

/** What the board shows an image as: its verdict once decided, else where it is in the pipeline. */
export type BoardState = VerdictOutcome | 'PENDING_SCAN' | 'DELETED' | 'UNDECIDED';

export const BOARD_STATES: readonly BoardState[] = [
  'APPROVED',
  'REJECTED',
  'REVOKED',
  'ERROR',
  'PENDING_SCAN',
  'DELETED',
  'UNDECIDED',
];

/** The list's filters, as the query string gives them. */
export interface BoardFilters {
  readonly verdict?: BoardState;
  /** A repository glob, EventBridge wildcard semantics (`matchesGlob`). */
  readonly repository?: string;
  /** Only images with an applied exception that expires within this many days. */
  readonly expiringDays?: number;
  /** Only images whose record alone shows a disagreement (`recordDisagreements`). */
  readonly disagree: boolean;
}

/** What the board compares a record against: the deployed formats and scan timeout (`--config`), or the defaults. */
export interface BoardSettings {
  readonly formats: readonly SignatureFormat[];
  readonly scanTimeoutMinutes: number;
}

/** One row of the list, from the record alone. */
export interface BoardRow {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly state: BoardState;
  readonly pushedAgoMs: number;
  readonly decidedAt?: string;
  readonly blocking: readonly BlockingFinding[];
  readonly blockingTotal: number;
  readonly exceptions: readonly (AppliedException & { readonly daysLeft?: number })[];
  /** Each format the record names a signature for, in the formats' order. */
  readonly signed: Readonly<Record<SignatureFormat, boolean>>;
  /** How old the scan is that the recorded attestation vouches for (the verdict's scan), when one is recorded. */
  readonly attestationAgeMs?: number;
  readonly disagreements: readonly string[];
}

/** The largest number of days the expiring filter takes: a year. */
export const MAX_EXPIRING_DAYS = 366;

export class BoardQueryError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'BoardQueryError';
  }
}

/**
 * The filters of a query string (`verdict`, `repository`, `expiring`, `disagree`); an empty value is no filter.
 * @throws BoardQueryError on a value that names nothing
 */
export const parseFilters = (get: (name: string) => string | null): BoardFilters => {
  const value = (name: string): string | undefined => {
    const raw = get(name)?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const verdict = value('verdict');
  if (verdict !== undefined && !BOARD_STATES.includes(verdict as BoardState)) {
    throw new BoardQueryError(`verdict must be one of ${BOARD_STATES.join(', ')}`);
  }
  const expiring = value('expiring');
  let expiringDays: number | undefined;
  if (expiring !== undefined) {
    expiringDays = Number(expiring);
    if (!/^\d+$/.test(expiring) || expiringDays > MAX_EXPIRING_DAYS) {
      throw new BoardQueryError(`expiring must be a whole number of days, 0 to ${MAX_EXPIRING_DAYS}`);
    }
  }
  const repository = value('repository');
  const disagree = value('disagree');
  return {
    ...(verdict === undefined ? {} : { verdict: verdict as BoardState }),
    ...(repository === undefined ? {} : { repository }),
    ...(expiringDays === undefined ? {} : { expiringDays }),
    disagree: disagree !== undefined && disagree !== '0' && disagree !== 'false',
  };
};

export const boardState = (record: ImageRecord): BoardState => {
  if (record.status === 'DECIDED') return record.verdict?.outcome ?? 'UNDECIDED';
  return record.status;
};

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whole UTC days from `now` to an exception's `expires` (YYYY-MM-DD), as shared/core/alerts/expiring.ts counts. */
export const daysLeft = (expires: string, now: Date): number | undefined => {
  const match = DATE.exec(expires);
  if (match === null) return undefined;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) - today) / DAY_MS);
};

/**
 * Where the record alone says the pipeline is not done, without a registry read (the image page adds what the
 * registry holds, as `tollgate status`): an APPROVED record that names no signature of a configured format, a
 * verdict whose announcement is pending, a scan waited for past the scan timeout.
 */
export const recordDisagreements = (record: ImageRecord, settings: BoardSettings, now: Date): string[] => {
  const lines: string[] = [];
  const state = boardState(record);
  const recorded = new Set((record.signatures ?? []).map((signature) => signature.format));
  if (state === 'APPROVED') {
    for (const format of settings.formats) {
      if (!recorded.has(format)) lines.push(`APPROVED but the record names no ${format} signature`);
    }
  }
  if (record.announcementPending === true && record.verdict !== undefined && record.status === 'DECIDED') {
    lines.push(`announcement pending: the ${record.verdict.outcome} verdict is not yet on the bus`);
  }
  if (record.status === 'PENDING_SCAN') {
    const waited = now.getTime() - Date.parse(record.updatedAt);
    if (waited > settings.scanTimeoutMinutes * 60_000) {
      lines.push(`pending a scan past the scan timeout (scanTimeoutMinutes ${settings.scanTimeoutMinutes})`);
    }
  }
  return lines;
};

export const boardRow = (record: ImageRecord, settings: BoardSettings, now: Date): BoardRow => {
  const verdict = record.verdict;
  const judged = verdict !== undefined && verdict.outcome !== 'ERROR' ? verdict : undefined;
  const recorded = new Set((record.signatures ?? []).map((signature) => signature.format));
  const signed = Object.fromEntries(
    SIGNATURE_FORMATS.map((format) => [format, recorded.has(format)]),
  ) as Record<SignatureFormat, boolean>;
  const scanDone = verdict?.scan?.completedAt;
  const attestationAgeMs =
    signed['vuln-attestation'] && scanDone !== undefined && !Number.isNaN(Date.parse(scanDone))
      ? Math.max(0, now.getTime() - Date.parse(scanDone))
      : undefined;
  return {
    repository: record.image.repository,
    digest: record.image.digest,
    tags: record.tags,
    state: boardState(record),
    pushedAgoMs: Math.max(0, now.getTime() - (Date.parse(record.pushedAt) || now.getTime())),
    ...(verdict === undefined ? {} : { decidedAt: verdict.decidedAt }),
    blocking: judged?.blocking ?? [],
    blockingTotal: judged?.blockingTotal ?? 0,
    exceptions: (judged?.exceptionsApplied ?? []).map((exception) => {
      const left = daysLeft(exception.expires, now);
      return left === undefined ? exception : { ...exception, daysLeft: left };
    }),
    signed,
    ...(attestationAgeMs === undefined ? {} : { attestationAgeMs }),
    disagreements: recordDisagreements(record, settings, now),
  };
};

/** Whether a row passes every filter. */
export const matchesFilters = (row: BoardRow, filters: BoardFilters): boolean => {
  if (filters.verdict !== undefined && row.state !== filters.verdict) return false;
  if (filters.repository !== undefined && !matchesGlob(filters.repository, row.repository)) return false;
  if (filters.expiringDays !== undefined) {
    const within = filters.expiringDays;
    const expiring = row.exceptions.some(
      (exception) =>
        exception.daysLeft !== undefined && exception.daysLeft >= 0 && exception.daysLeft <= within,
    );
    if (!expiring) return false;
  }
  if (filters.disagree && row.disagreements.length === 0) return false;
  return true;
};

/** `9 days`, `30 hours`, `12 minutes`, as `tollgate status` says an age. */
export const ageText = (ms: number): string => {
  if (ms >= 2 * DAY_MS) return `${Math.floor(ms / DAY_MS)} days`;
  if (ms >= 7_200_000) return `${Math.floor(ms / 3_600_000)} hours`;
  if (ms >= 120_000) return `${Math.floor(ms / 60_000)} minutes`;
  return 'under 2 minutes';
};
