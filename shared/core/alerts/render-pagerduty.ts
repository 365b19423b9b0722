import type { Alert } from './alert';
import { truncate } from './text';

/**
 * PagerDuty Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`): one event per alert, keyed so
 * that a re-alert of the same image updates its one alert instead of opening another, and an APPROVED
 * verdict resolves it. JSON cannot be injected into, and PagerDuty shows these fields as text; what is
 * left to guard is their size (the summary is cut at 1024 characters, the dedup key at 255) and the
 * control characters, already gone from every alert string.
 */

/** The API's own limits, and ours for the free-form details. */
export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255, source: 255, component: 255 } as const;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyPayload {
  readonly summary: string;
  readonly source: string;
  readonly severity: PagerDutySeverity;
  readonly component: string;
  readonly group: 'tollgate';
  readonly class: string;
  readonly custom_details: Readonly<Record<string, unknown>>;
}

/**
 * The event, without `routing_key`: the key is a secret, so it never goes on the bus; notify adds it from
 * Secrets Manager when it sends the event.
 */
export type PagerDutyEvent =
  | {
      readonly event_action: 'trigger';
      readonly dedup_key: string;
      readonly payload: PagerDutyPayload;
      readonly links: readonly { readonly href: string; readonly text: string }[];
      readonly client: 'Tollgate';
    }
  | { readonly event_action: 'resolve'; readonly dedup_key: string };

/**
 * `repository@digest`: one PagerDuty alert per image, whatever verdict or tag it is re-alerted for. When a
 * long repository name would overflow the 255-character key, the repository is cut (the digest never is),
 * the same way every time, so the key stays stable.
 */
export const pagerDutyDedupKey = (repository: string, digest: string, suffix = ''): string => {
  const tail = `@${digest}${suffix}`;
  const room = PAGERDUTY_LIMITS.dedupKey - tail.length;
  return `${room <= 0 ? '' : truncate(repository, room)}${tail}`.slice(0, PAGERDUTY_LIMITS.dedupKey);
};

/** The dedup key of an alert: tag violations get their own, so an approval does not resolve them. */
export const alertDedupKey = (alert: Alert): string => {
  switch (alert.kind) {
    case 'verdict':
      return pagerDutyDedupKey(alert.repository, alert.digest);
    case 'tag-violation':
      return pagerDutyDedupKey(alert.repository, alert.digest, ` ${alert.status}`);
    case 'test':
      return pagerDutyDedupKey('tollgate-test', alert.correlationId ?? alert.digest);
  }
};

/** A plain APPROVED verdict closes the image's alert; an approval with warnings alerts, as elsewhere. */
export const resolvesPagerDuty = (alert: Alert): boolean =>
  alert.kind === 'verdict' && alert.verdict === 'APPROVED' && alert.status === 'APPROVED';

export const renderPagerDuty = (alert: Alert): PagerDutyEvent => {
  const dedupKey = alertDedupKey(alert);
  if (resolvesPagerDuty(alert)) return { event_action: 'resolve', dedup_key: dedupKey };
  const details: Record<string, unknown> = {
    repository: alert.repository,
    digest: alert.digest,
    ...(alert.tags.length === 0 ? {} : { tags: alert.tags.join(', ') }),
    status: alert.status,
    ...(alert.policyDigest === undefined ? {} : { policyDigest: alert.policyDigest }),
    ...Object.fromEntries(alert.facts.map(({ label, value }) => [label, value])),
  };
  if (alert.findingsTotal > 0) {
    details.blockingFindings = alert.findings.map(
      (finding) =>
        `${finding.severity} ${finding.id}` +
        (finding.package === undefined ? '' : ` in ${finding.package}`) +
        (finding.rule === undefined ? '' : ` [${finding.rule}]`),
    );
    details.blockingFindingsTotal = alert.findingsTotal;
  }
  if (alert.expiringExceptions.length > 0) {
    details.exceptionsExpiringSoon = alert.expiringExceptions.map(
      (exception) => `${exception.id} expires ${exception.expires} (in ${exception.daysLeft} days)`,
    );
  }
  if (alert.warnings.length > 0) details.warnings = alert.warnings;
  if (alert.reasons.length > 0) details.reasons = alert.reasons;
  if (alert.correlationId !== undefined) details.correlationId = alert.correlationId;
  return {
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(`Tollgate ${alert.headline}`, PAGERDUTY_LIMITS.summary),
      source: truncate(alert.registry ?? 'tollgate', PAGERDUTY_LIMITS.source),
      severity: alert.severity,
      component: truncate(alert.repository, PAGERDUTY_LIMITS.component),
      group: 'tollgate',
      class: alert.status,
      custom_details: details,
    },
    // Only our own link, built from validated parts: no URL from the event becomes a link.
    links:
      alert.consoleUrl === undefined ? [] : [{ href: alert.consoleUrl, text: 'Open in the ECR console' }],
    client: 'Tollgate',
  };
};
