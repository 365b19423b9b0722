import type { Alert, AlertSeverity } from './alert';
import { renderText } from './render-text';
import { truncate } from './text';

/**
 * Sysdig's events API (`POST https://<region>.app.sysdig.com/api/v2/events/`, a bearer API token): a custom
 * event, shown in Sysdig's event stream and overlaid on its dashboards, with the image as its scope and tags
 * naming repository, digest, verdict and policy digest, so it can be filtered and correlated with the
 * workloads that run the image.
 *
 * The body is JSON, so nothing can be injected into it; the one field Sysdig parses is `scope`, a filter
 * expression, and it is built only from values that match strict patterns (registry host, ECR repository
 * name, digest), never escaped: a value that does not match is left out of the scope (it stays in the tags).
 */

/** Syslog severities, as Sysdig takes them: 0 emergency … 7 debug. */
export const SYSDIG_SEVERITY: Readonly<Record<AlertSeverity, number>> = {
  critical: 2,
  error: 3,
  warning: 4,
  info: 6,
};

/** Our bounds: the event name is a title, the description a message. */
export const SYSDIG_LIMITS = { name: 200, description: 4000, tag: 256 } as const;

export interface SysdigEvent {
  readonly name: string;
  readonly description: string;
  readonly severity: number;
  readonly scope?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SysdigEventBody {
  readonly event: SysdigEvent;
}

const HOST = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?$/;
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `container.image.repo = "…" and container.image.digest = "…"`, from the parts that are safe to quote. */
const scopeOf = (alert: Alert): string | undefined => {
  if (alert.kind === 'test') return undefined;
  const parts: string[] = [];
  if (REPOSITORY.test(alert.repository) && alert.repository.length <= 256) {
    const repo =
      alert.registry !== undefined && HOST.test(alert.registry)
        ? `${alert.registry}/${alert.repository}`
        : alert.repository;
    parts.push(`container.image.repo = "${repo}"`);
  }
  if (DIGEST.test(alert.digest)) parts.push(`container.image.digest = "${alert.digest}"`);
  return parts.length === 0 ? undefined : parts.join(' and ');
};

const tag = (value: string): string => truncate(value, SYSDIG_LIMITS.tag);

export const renderSysdig = (alert: Alert): SysdigEventBody => {
  const scope = scopeOf(alert);
  const tags: Record<string, string> = {
    source: 'tollgate',
    kind: alert.kind,
    repository: tag(alert.repository),
    digest: tag(alert.digest),
    verdict: tag(alert.status),
    ...(alert.policyDigest === undefined ? {} : { policyDigest: tag(alert.policyDigest) }),
    ...(alert.tag === undefined ? {} : { tag: tag(alert.tag) }),
    ...(alert.correlationId === undefined ? {} : { correlationId: tag(alert.correlationId) }),
    ...(alert.kind === 'test' ? { test: 'true' } : {}),
  };
  return {
    event: {
      name: truncate(`Tollgate ${alert.headline}`, SYSDIG_LIMITS.name),
      description: truncate(renderText(alert).body, SYSDIG_LIMITS.description),
      severity: SYSDIG_SEVERITY[alert.severity],
      ...(scope === undefined ? {} : { scope }),
      tags,
    },
  };
};
