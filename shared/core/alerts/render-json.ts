import type { Alert, AlertFact, AlertFinding, AlertSeverity } from './alert';
import type { ExpiringException } from './expiring';
import { renderText } from './render-text';

/**
 * The generic webhook body (Sysdig, PagerDuty, Teams and the like, usually through their own
 * transform). JSON cannot be injected into, so strings are as in the alert: free of control
 * characters and bounded, but not escaped for any markup; a receiver that renders HTML or Markdown
 * must escape them itself. `text` is the same plain-text message the e-mail carries.
 */
export interface AlertJsonBody {
  readonly source: 'tollgate';
  readonly kind: Alert['kind'];
  readonly severity: AlertSeverity;
  readonly status: string;
  readonly summary: string;
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly consoleUrl?: string;
  readonly facts: readonly AlertFact[];
  readonly findings: readonly AlertFinding[];
  readonly findingsTotal: number;
  readonly expiringExceptions: readonly ExpiringException[];
  readonly warnings: readonly string[];
  readonly reasons: readonly string[];
  readonly correlationId?: string;
  readonly text: string;
}

export const renderJson = (alert: Alert): AlertJsonBody => ({
  source: 'tollgate',
  kind: alert.kind,
  severity: alert.severity,
  status: alert.status,
  summary: `Tollgate ${alert.headline}`,
  repository: alert.repository,
  digest: alert.digest,
  tags: alert.tags,
  ...(alert.consoleUrl === undefined ? {} : { consoleUrl: alert.consoleUrl }),
  facts: alert.facts,
  findings: alert.findings,
  findingsTotal: alert.findingsTotal,
  expiringExceptions: alert.expiringExceptions,
  warnings: alert.warnings,
  reasons: alert.reasons,
  ...(alert.correlationId === undefined ? {} : { correlationId: alert.correlationId }),
  text: renderText(alert).body,
});
