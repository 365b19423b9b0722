import type { AlertOrigin, AlertVerdict, TagViolationAlertInput, VerdictAlertInput } from './alert-input';
import { ecrConsoleUrl } from './console-url';
import { expiringExceptions, type ExpiringException } from './expiring';
import { clean } from './text';

/**
 * One alert, independent of the channel it goes to. Every string in it has been through `clean`
 * (no control characters, no line breaks, bounded length) but is otherwise raw: each renderer
 * escapes it for its own markup. Labels and enum values are ours and need no escaping.
 */
export interface Alert {
  /** `test`: a test alert (`tollgate alerts test`), about no image; every channel says so. */
  readonly kind: 'verdict' | 'tag-violation' | 'test';
  /** For routing in JSON consumers (PagerDuty-style): REJECTED and REVOKED are critical. */
  readonly severity: AlertSeverity;
  /** The verdict, or the tag rule that was broken. */
  readonly status: string;
  /** The verdict itself, for a verdict alert (PagerDuty resolves on a plain APPROVED). */
  readonly verdict?: AlertVerdict;
  /** `<status> <repository>:<tag>`, or `@<short digest>` when untagged. */
  readonly headline: string;
  readonly repository: string;
  readonly digest: string;
  readonly tag?: string;
  readonly tags: readonly string[];
  /** The registry host, when the event names it. */
  readonly registry?: string;
  /** The policy that judged the image (`sha256:…`), when the verdict names it. */
  readonly policyDigest?: string;
  readonly consoleUrl?: string;
  /** Other facts shown as `label: value`, in order. */
  readonly facts: readonly AlertFact[];
  readonly findings: readonly AlertFinding[];
  /** All blocking findings, however many are listed. */
  readonly findingsTotal: number;
  readonly expiringExceptions: readonly ExpiringException[];
  readonly warnings: readonly string[];
  readonly reasons: readonly string[];
  readonly correlationId?: string;
}

export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface AlertFact {
  readonly label: string;
  readonly value: string;
}

export interface AlertFinding {
  readonly id: string;
  readonly severity: string;
  readonly package?: string;
  readonly rule?: string;
}

/** What an alert lists; the full lists stay in the event and the verdict table. */
export const ALERT_LIMITS = {
  findings: 10,
  items: 10,
  /** Ids, package names, tags, codes. */
  name: 200,
  /** Reasons, warnings, messages: policy text nobody bounds. */
  text: 500,
  repository: 256,
} as const;

const SEVERITY_BY_VERDICT: Readonly<Record<AlertVerdict, AlertSeverity>> = {
  REJECTED: 'critical',
  REVOKED: 'critical',
  ERROR: 'error',
  APPROVED: 'info',
};

const name = (value: string): string => clean(value, ALERT_LIMITS.name);
const text = (value: string): string => clean(value, ALERT_LIMITS.text);
const list = (values: readonly string[] | undefined): string[] =>
  (values ?? []).slice(0, ALERT_LIMITS.items).map(text);

const shortDigest = (digest: string): string => digest.replace(/^(sha256:[a-f0-9]{12})[a-f0-9]+$/, '$1');

const headline = (
  status: string,
  repository: string,
  digest: string,
  tag: string | undefined,
  where?: string,
): string =>
  `${status} ${repository}${tag === undefined ? `@${shortDigest(digest)}` : `:${tag}`}${where === undefined ? '' : ` in ${where}`}`;

/** `account/region` of a spoke's image; the hub's own carry neither. */
const spokeOf = (image: VerdictAlertInput['image']): string | undefined =>
  image.account === undefined ? undefined : `${name(image.account)}/${name(image.region ?? '?')}`;

const fact = (label: string, value: string | undefined): AlertFact[] =>
  value === undefined || value === '' ? [] : [{ label, value }];

const severityCounts = (counts: Readonly<Record<string, number>> | undefined): string | undefined => {
  const entries = Object.entries(counts ?? {}).filter(([, count]) => count > 0);
  return entries.length === 0
    ? undefined
    : entries.map(([severity, n]) => `${name(severity)} ${n}`).join(', ');
};

export interface BuildOptions {
  /** Exceptions expiring within 14 days of this instant are listed. @default new Date() */
  readonly now?: Date;
  readonly origin?: AlertOrigin;
}

/** The alert for a `Tollgate Image Verdict`. Pure. */
export const verdictAlert = (detail: VerdictAlertInput, options: BuildOptions = {}): Alert => {
  const repository = clean(detail.image.repository, ALERT_LIMITS.repository);
  const digest = name(detail.image.digest);
  const tags = list(detail.image.tags).map(name);
  const tag = tags[0];
  const warnings = list(detail.warnings);
  const warned = detail.verdict === 'APPROVED' && warnings.length > 0;
  const status = warned ? 'APPROVED WITH WARNINGS' : detail.verdict;
  const consoleUrl = ecrConsoleUrl(detail.image, options.origin);
  const where = spokeOf(detail.image);
  const scan = detail.scan;
  const blocking = detail.blocking ?? [];
  return {
    kind: 'verdict',
    severity: warned ? 'warning' : SEVERITY_BY_VERDICT[detail.verdict],
    status,
    verdict: detail.verdict,
    headline: headline(status, repository, digest, tag, where),
    repository,
    digest,
    ...(tag === undefined ? {} : { tag }),
    tags,
    ...(detail.image.registry === undefined ? {} : { registry: name(detail.image.registry) }),
    ...(detail.policyDigest === undefined ? {} : { policyDigest: name(detail.policyDigest) }),
    ...(consoleUrl === undefined ? {} : { consoleUrl }),
    facts: [
      ...fact('Account', where),
      ...fact('Mode', detail.mode),
      ...fact('Platform', detail.image.platform === undefined ? undefined : name(detail.image.platform)),
      ...fact(
        'Scan',
        scan === undefined
          ? undefined
          : [scan.type, scan.status]
              .filter((part) => part !== undefined)
              .map(name)
              .join(' '),
      ),
      ...fact('Severity counts', severityCounts(scan?.severityCounts)),
      ...fact(
        'Error',
        detail.error === undefined
          ? undefined
          : text(
              `${detail.error.code}${detail.error.message === undefined ? '' : `: ${detail.error.message}`}`,
            ),
      ),
      ...fact('Revoked at', detail.revokedAt === undefined ? undefined : name(detail.revokedAt)),
      ...fact('Decided at', detail.decidedAt === undefined ? undefined : name(detail.decidedAt)),
      ...fact('Registry', detail.image.registry === undefined ? undefined : name(detail.image.registry)),
    ],
    findings: blocking.slice(0, ALERT_LIMITS.findings).map((finding) => ({
      id: name(finding.id),
      severity: name(finding.severity),
      ...(finding.package === undefined ? {} : { package: name(finding.package) }),
      ...(finding.rule === undefined ? {} : { rule: name(finding.rule) }),
    })),
    findingsTotal: Math.max(detail.blockingTotal ?? 0, blocking.length),
    expiringExceptions: expiringExceptions(detail.exceptionsApplied ?? [], options.now ?? new Date())
      .slice(0, ALERT_LIMITS.items)
      .map((exception) => ({
        ...exception,
        id: name(exception.id),
        ...(exception.package === undefined ? {} : { package: name(exception.package) }),
        ...(exception.reason === undefined ? {} : { reason: text(exception.reason) }),
      })),
    warnings,
    reasons: list(detail.reasons),
    ...(detail.correlationId === undefined ? {} : { correlationId: name(detail.correlationId) }),
  };
};

/** The alert for a `Tollgate Tag Violation`. Pure. */
export const tagViolationAlert = (detail: TagViolationAlertInput, options: BuildOptions = {}): Alert => {
  const repository = clean(detail.repository, ALERT_LIMITS.repository);
  const digest = name(detail.digest);
  const tag = detail.tag === undefined ? undefined : name(detail.tag);
  const status = `TAG VIOLATION ${name(detail.rule)}`;
  const consoleUrl = ecrConsoleUrl(detail, options.origin);
  return {
    kind: 'tag-violation',
    severity: 'warning',
    status,
    headline: headline(status, repository, digest, tag),
    repository,
    digest,
    ...(tag === undefined ? {} : { tag }),
    tags: tag === undefined ? [] : [tag],
    ...(detail.registry === undefined ? {} : { registry: name(detail.registry) }),
    ...(consoleUrl === undefined ? {} : { consoleUrl }),
    facts: [
      ...fact('Rule', name(detail.rule)),
      ...fact('Action', detail.action === undefined ? undefined : name(detail.action)),
      ...fact(
        'Previous digest',
        detail.previousDigest === undefined ? undefined : name(detail.previousDigest),
      ),
      ...fact('Detected at', detail.detectedAt === undefined ? undefined : name(detail.detectedAt)),
      ...fact('Registry', detail.registry === undefined ? undefined : name(detail.registry)),
    ],
    findings: [],
    findingsTotal: 0,
    expiringExceptions: [],
    warnings: [],
    reasons: detail.message === undefined ? [] : [text(detail.message)],
    ...(detail.correlationId === undefined ? {} : { correlationId: name(detail.correlationId) }),
  };
};

/** What a test alert says, on every channel. */
export const TEST_ALERT_TEXT = 'Tollgate test alert — no action needed';
/** The repository and digest a test alert names: no image has them (ECR names cannot hold `_`). */
export const TEST_ALERT_IMAGE = { repository: '_tollgate-test', digest: `sha256:${'0'.repeat(64)}` } as const;

export interface TestAlertOptions {
  /** When it was sent. */
  readonly now: Date;
  /** Who or what asked for it (a principal, `tollgate alerts test`). */
  readonly requestedBy?: string;
  /** Ties the receivers' copies together (the invocation's request id). */
  readonly id?: string;
}

/** The alert `tollgate alerts test` sends: clearly marked, about no image, severity info. Pure. */
export const testAlert = (options: TestAlertOptions): Alert => ({
  kind: 'test',
  severity: 'info',
  status: 'TEST',
  // Renderers put "Tollgate " before the headline.
  headline: TEST_ALERT_TEXT.replace(/^Tollgate /, ''),
  repository: TEST_ALERT_IMAGE.repository,
  digest: TEST_ALERT_IMAGE.digest,
  tags: [],
  facts: [
    { label: 'Test', value: 'yes: no image was judged, nothing was refused' },
    { label: 'Sent at', value: options.now.toISOString() },
    ...fact('Requested by', options.requestedBy === undefined ? undefined : name(options.requestedBy)),
  ],
  findings: [],
  findingsTotal: 0,
  expiringExceptions: [],
  warnings: [],
  reasons: [
    'This message checks that the channel reaches you. Real alerts come the same way, for REJECTED, ERROR and REVOKED verdicts and tag violations.',
  ],
  ...(options.id === undefined ? {} : { correlationId: name(options.id) }),
});
