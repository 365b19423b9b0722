import type { Alert, AlertSeverity } from './alert';
import { truncate } from './text';

/**
 * Slack reads `&`, `<` and `>` as markup: `<!channel>` pings everyone, `<@U123>` mentions someone,
 * `<https://evil|click>` disguises a link. Escaped as entities, they show as typed. Slack asks for
 * exactly these three and no others.
 */
export const escapeSlack = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `verbatim` stops Slack's own parsing of the text: bare URLs are not linked, `@here` and
 * `#channel` names not resolved. Our own links use `<url|text>`, which still works.
 */
interface MrkdwnText {
  readonly type: 'mrkdwn';
  readonly text: string;
  readonly verbatim: true;
}

export type SlackBlock =
  | { readonly type: 'section'; readonly text: MrkdwnText }
  | { readonly type: 'section'; readonly fields: readonly MrkdwnText[] }
  | { readonly type: 'context'; readonly elements: readonly MrkdwnText[] }
  | { readonly type: 'divider' };

export interface SlackMessage {
  /** chat.postMessage: the channel (id or name) from the webhook's config; an incoming webhook has its own. */
  readonly channel?: string;
  /** The notification and screen-reader text. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

/** Slack refuses a section text over 3000 characters and a field over 2000; kept well below. */
const SECTION_MAX = 2900;
const FIELD_MAX = 1900;
const FIELDS_MAX = 10;

const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text, verbatim: true });

const ICON: Readonly<Record<AlertSeverity, string>> = {
  critical: ':rotating_light:',
  error: ':x:',
  warning: ':warning:',
  info: ':white_check_mark:',
};

/** Escaped lines up to the section limit; a cut is said, never silent. */
const section = (title: string, lines: readonly string[]): SlackBlock => {
  let text = `*${title}*`;
  for (const [index, line] of lines.entries()) {
    const next = `\n${line}`;
    if (text.length + next.length > SECTION_MAX - 40) {
      text += `\n_…and ${lines.length - index} more_`;
      break;
    }
    text += next;
  }
  return { type: 'section', text: mrkdwn(text) };
};

/** Cut before escaping, so no entity is split; an entity is at most five characters. */
const field = (label: string, value: string): MrkdwnText =>
  mrkdwn(`*${label}*\n${escapeSlack(truncate(value, Math.floor(FIELD_MAX / 5)))}`);

/**
 * A Block Kit message for an incoming webhook or chat.postMessage. Untrusted values are always
 * escaped with {@link escapeSlack} and always inside `verbatim` mrkdwn; only the console link, built
 * from validated parts, is markup.
 */
export const renderSlack = (alert: Alert): SlackMessage => {
  const e = escapeSlack;
  const fields = [
    field('Repository', alert.repository),
    ...(alert.tags.length === 0
      ? []
      : [field(alert.tags.length === 1 ? 'Tag' : 'Tags', alert.tags.join(', '))]),
    field('Digest', alert.digest),
    ...alert.facts.map(({ label, value }) => field(label, value)),
  ].slice(0, FIELDS_MAX);

  const blocks: SlackBlock[] = [
    { type: 'section', text: mrkdwn(`${ICON[alert.severity]} *Tollgate ${e(alert.headline)}*`) },
    { type: 'section', fields },
  ];
  if (alert.findingsTotal > 0) {
    const shown = alert.findings.length;
    blocks.push(
      section(
        shown < alert.findingsTotal
          ? `Blocking findings (top ${shown} of ${alert.findingsTotal})`
          : `Blocking findings (${alert.findingsTotal})`,
        alert.findings.map(
          (finding) =>
            `• *${e(finding.severity)}* ${e(finding.id)}` +
            (finding.package === undefined ? '' : ` in ${e(finding.package)}`) +
            (finding.rule === undefined ? '' : ` _(${e(finding.rule)})_`),
        ),
      ),
    );
  }
  if (alert.expiringExceptions.length > 0) {
    blocks.push(
      section(
        'Exceptions expiring within 14 days',
        alert.expiringExceptions.map(
          (exception) =>
            `• ${e(exception.id)}` +
            (exception.package === undefined ? '' : ` (${e(exception.package)})`) +
            ` expires ${exception.expires}` +
            (exception.daysLeft === 0 ? ' (today)' : ` (in ${exception.daysLeft} days)`) +
            (exception.reason === undefined ? '' : `: ${e(exception.reason)}`),
        ),
      ),
    );
  }
  if (alert.warnings.length > 0) {
    blocks.push(
      section(
        'Warnings',
        alert.warnings.map((warning) => `• ${e(warning)}`),
      ),
    );
  }
  if (alert.reasons.length > 0) {
    blocks.push(
      section(
        alert.kind === 'verdict' ? 'Reasons' : 'Details',
        alert.reasons.map((reason) => `• ${e(reason)}`),
      ),
    );
  }
  const context = [
    ...(alert.consoleUrl === undefined ? [] : [`<${alert.consoleUrl}|Open in the ECR console>`]),
    ...(alert.correlationId === undefined ? [] : [`correlation id ${e(alert.correlationId)}`]),
  ];
  if (context.length > 0) blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });

  return {
    text: `Tollgate ${e(alert.headline)}`,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
};
