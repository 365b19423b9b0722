import type { ImageRecord } from '../domain/image-record';
import type { SignatureRef, Verdict } from '../domain/verdict';
import type { ExpiredException, StaleException } from '../policy/exceptions';
import { IMAGE_VERDICT } from './tollgate-detail-types';
import { TRUNCATABLE_LISTS, type TruncatableList, type VerdictEventDetail } from './verdict-event-schema';

export {
  verdictEventDetailSchema,
  type VerdictEventDetail,
  type TruncatableList,
} from './verdict-event-schema';

/** Blocking findings listed in the event, most severe first; `blockingTotal` counts them all. */
export const EVENT_BLOCKING_LIMIT = 20;
/**
 * EventBridge refuses entries over 256 KB, envelope included. The detail is cut well below that,
 * so the envelope and a margin always fit.
 */
export const EVENT_MAX_BYTES = 200 * 1024;
/** One line of text: reasons and warnings quote policy text, which nobody bounds. */
export const EVENT_MAX_TEXT = 2000;

/** What the judge may record beside a verdict; the event lists them when present. */
export interface VerdictExceptionReport {
  readonly staleExceptions?: readonly StaleException[];
  readonly expiredExceptions?: readonly ExpiredException[];
}

export interface VerdictEventInput {
  readonly record: Pick<ImageRecord, 'image' | 'tags' | 'manifestMediaType' | 'platform' | 'parent'>;
  readonly verdict: Verdict & VerdictExceptionReport;
  /** The image's signatures: Tollgate's own, as recorded by the signer. @default [] */
  readonly signatures?: readonly SignatureRef[];
  /** Id of the event that triggered the decision. */
  readonly correlationId?: string;
}

type Lists = { readonly [L in TruncatableList]: readonly unknown[] };
type Limits = Record<TruncatableList, number>;

/**
 * Builds the public detail. Pure. When it would not fit an EventBridge entry, the longest list is
 * halved until it does; the totals (`blockingTotal`, and `truncated` for each list cut) stay exact,
 * so a consumer always knows what was left out and can read the rest from the verdict table.
 */
export const verdictEventDetail = (input: VerdictEventInput): VerdictEventDetail => {
  const lists = fullLists(input);
  const limits = Object.fromEntries(TRUNCATABLE_LISTS.map((list) => [list, lists[list].length])) as Limits;
  limits.blocking = Math.min(limits.blocking, EVENT_BLOCKING_LIMIT);
  for (;;) {
    const detail = build(input, lists, limits);
    if (utf8Length(JSON.stringify(detail)) <= EVENT_MAX_BYTES) return detail;
    const longest = TRUNCATABLE_LISTS.reduce((a, b) => (limits[b] > limits[a] ? b : a));
    // Nothing left to cut: what remains is a few fixed fields, far below the limit.
    if (limits[longest] === 0) return detail;
    limits[longest] = Math.floor(limits[longest] / 2);
  }
};

export const verdictEvent = (
  input: VerdictEventInput,
): { readonly detailType: typeof IMAGE_VERDICT; readonly detail: VerdictEventDetail } => ({
  detailType: IMAGE_VERDICT,
  detail: verdictEventDetail(input),
});

const text = (line: string): string =>
  line.length <= EVENT_MAX_TEXT ? line : `${line.slice(0, EVENT_MAX_TEXT - 1)}…`;

const fullLists = ({ record, verdict }: VerdictEventInput): Lists => {
  const judged = verdict.outcome === 'ERROR' ? undefined : verdict;
  return {
    blocking: (judged?.blocking ?? []).map((finding) => ({
      id: finding.id,
      severity: finding.severity,
      ...(finding.package === undefined ? {} : { package: finding.package }),
      rule: finding.rule,
    })),
    exceptionsApplied: (judged?.exceptionsApplied ?? []).map((exception) => ({
      id: exception.id,
      ...(exception.package === undefined ? {} : { package: exception.package }),
      reason: text(exception.reason),
      expires: exception.expires,
      matched: exception.matched,
    })),
    expiredExceptions: (verdict.expiredExceptions ?? []).map((exception) => ({
      id: exception.id,
      ...(exception.package === undefined ? {} : { package: exception.package }),
      reason: text(exception.reason),
      expires: exception.expires,
      matched: exception.matched,
    })),
    staleExceptions: (verdict.staleExceptions ?? []).map((exception) => ({
      id: exception.id,
      ...(exception.package === undefined ? {} : { package: exception.package }),
      reason: text(exception.reason),
      expires: exception.expires,
      expired: exception.expired,
    })),
    warnings: verdict.warnings.map(text),
    reasons: verdict.reasons.map(text),
    tags: record.tags,
  };
};

const build = (
  { record, verdict, signatures = [], correlationId }: VerdictEventInput,
  lists: Lists,
  limits: Limits,
): VerdictEventDetail => {
  const cut = <T>(list: TruncatableList): T[] => lists[list].slice(0, limits[list]) as T[];
  const judged = verdict.outcome === 'ERROR' ? undefined : verdict;
  const blockingTotal = judged?.blockingTotal ?? 0;
  const truncated: Partial<Record<TruncatableList, number>> = {};
  for (const list of TRUNCATABLE_LISTS) {
    const total = list === 'blocking' ? blockingTotal : lists[list].length;
    if (limits[list] < total) truncated[list] = total;
  }
  return {
    schemaVersion: verdict.schemaVersion,
    verdict: verdict.outcome,
    mode: verdict.mode,
    image: {
      registry: record.image.registry,
      repository: record.image.repository,
      digest: record.image.digest,
      tags: cut('tags'),
      ...(record.manifestMediaType === undefined ? {} : { mediaType: record.manifestMediaType }),
      ...(record.platform === undefined ? {} : { platform: record.platform }),
      ...(record.parent === undefined ? {} : { parent: record.parent }),
      ...record.image.scope,
    },
    ...(verdict.scan === undefined
      ? {}
      : {
          scan: {
            type: verdict.scan.scanner,
            status: verdict.scan.status,
            ...(verdict.scan.completedAt === undefined ? {} : { completedAt: verdict.scan.completedAt }),
            severityCounts: { ...verdict.scan.severityCounts },
          },
        }),
    blocking: cut('blocking'),
    blockingTotal,
    exceptionsApplied: cut('exceptionsApplied'),
    ...(verdict.expiredExceptions === undefined ? {} : { expiredExceptions: cut('expiredExceptions') }),
    ...(verdict.staleExceptions === undefined ? {} : { staleExceptions: cut('staleExceptions') }),
    warnings: cut('warnings'),
    reasons: cut('reasons'),
    ...(verdict.outcome === 'ERROR'
      ? { error: { code: verdict.error.code, message: text(verdict.error.message) } }
      : {}),
    ...(verdict.outcome === 'REVOKED' ? { revokedAt: verdict.revokedAt } : {}),
    signatures: signatures.map((signature) => ({ format: signature.format, reference: signature.reference })),
    ...(verdict.policyDigest === undefined ? {} : { policyDigest: verdict.policyDigest }),
    decidedAt: verdict.decidedAt,
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(Object.keys(truncated).length === 0 ? {} : { truncated }),
  };
};

const encoder = new TextEncoder();
const utf8Length = (value: string): number => encoder.encode(value).length;
