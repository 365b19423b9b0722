import type { Alert } from './alert';
import { asciiSubject, defang } from './text';

export interface TextMessage {
  /** Safe as an SNS subject and a mail header: ASCII, one line, under 100 characters. */
  readonly subject: string;
  readonly body: string;
}

/**
 * The message for people, as SNS sends it by e-mail: plain text, so there is no markup to inject.
 * What is left to guard is the layout: every untrusted value is one line already (no forged
 * "Verdict: APPROVED" line), and URLs in it are defanged so mail clients do not link them.
 */
export const renderText = (alert: Alert): TextMessage => {
  const lines: string[] = [`Tollgate: ${defang(alert.headline)}`, ''];
  const field = (label: string, value: string): void => {
    lines.push(`${`${label}:`.padEnd(17)}${defang(value)}`);
  };
  field('Repository', alert.repository);
  if (alert.tags.length > 0) field(alert.tags.length === 1 ? 'Tag' : 'Tags', alert.tags.join(', '));
  field('Digest', alert.digest);
  for (const { label, value } of alert.facts) field(label, value);

  if (alert.findingsTotal > 0) {
    const shown = alert.findings.length;
    lines.push(
      '',
      shown < alert.findingsTotal
        ? `Blocking findings (top ${shown} of ${alert.findingsTotal}):`
        : `Blocking findings (${alert.findingsTotal}):`,
    );
    for (const finding of alert.findings) {
      const where = finding.package === undefined ? '' : ` in ${finding.package}`;
      const rule = finding.rule === undefined ? '' : ` [${finding.rule}]`;
      lines.push(defang(`  - ${finding.severity} ${finding.id}${where}${rule}`));
    }
  }
  if (alert.expiringExceptions.length > 0) {
    lines.push('', 'Exceptions expiring within 14 days:');
    for (const exception of alert.expiringExceptions) {
      const where = exception.package === undefined ? '' : ` (${exception.package})`;
      const when = exception.daysLeft === 0 ? 'today' : `in ${exception.daysLeft} day(s)`;
      const reason = exception.reason === undefined ? '' : `: ${exception.reason}`;
      lines.push(defang(`  - ${exception.id}${where} expires ${exception.expires}, ${when}${reason}`));
    }
  }
  const section = (title: string, items: readonly string[]): void => {
    if (items.length === 0) return;
    lines.push('', `${title}:`, ...items.map((item) => `  - ${defang(item)}`));
  };
  section('Warnings', alert.warnings);
  section(alert.kind === 'verdict' ? 'Reasons' : 'Details', alert.reasons);

  if (alert.consoleUrl !== undefined) lines.push('', 'Open the image in the ECR console:', alert.consoleUrl);
  if (alert.correlationId !== undefined) lines.push('', `Correlation id: ${alert.correlationId}`);
  lines.push('', '--', 'Sent by Tollgate. Which events alert is set in tollgate.config.yaml (alerts).');
  return { subject: asciiSubject(`Tollgate ${alert.headline}`), body: lines.join('\n') };
};
