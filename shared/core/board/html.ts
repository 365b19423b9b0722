import type { ImageRecord } from '../domain/image-record';
import { SIGNATURE_FORMATS } from '../domain/signature-format';
import { escapeHtml as h, queryString } from './escape';
import { ageText, BOARD_STATES, boardState, type BoardFilters, type BoardRow, type BoardState } from './view';

/** One page of the list: the rows of one bounded stretch of the table scan, and where the next one starts. */
export interface ListPageModel {
  readonly table: string;
  readonly filters: BoardFilters;
  readonly rows: readonly BoardRow[];
  /** Items of the table read for this page, image records or not. */
  readonly scanned: number;
  /** The opaque cursor of the next page; absent on the last. */
  readonly next?: string;
  /** Whether this page started from a cursor (the first page has none). */
  readonly continued: boolean;
}

/** The page of one image: its record, and `tollgate status` for it (record beside registry). */
export interface ImagePageModel {
  readonly table: string;
  readonly repository: string;
  readonly digest: string;
  readonly record: ImageRecord | undefined;
  /** What `tollgate status` printed for the image, and its exit code (0 agree, 1 disagree, 2 error). */
  readonly status: { readonly code: number; readonly text: string };
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 16px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:12px 16px}h1{font-size:18px;margin:8px 0}h2{font-size:15px;margin:16px 0 6px}
form{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end;margin:0 0 12px}label{display:flex;flex-direction:column;font-size:12px;color:#57606a}
label.check{flex-direction:row;align-items:center;gap:4px}input,select,button{font:inherit;padding:3px 6px}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eaeef2;font-weight:600}
tr.repo th{background:#ddf4ff;font-size:13px}code,pre{font:12px/1.4 ui-monospace,monospace;overflow-wrap:anywhere}
pre{white-space:pre-wrap;background:#fff;border:1px solid #d0d7de;padding:8px}
.v{display:inline-block;padding:1px 6px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:#57606a}
.APPROVED{background:#1a7f37}.REJECTED{background:#cf222e}.REVOKED{background:#8250df}.ERROR{background:#bc4c00}
.PENDING_SCAN{background:#9a6700}ul{margin:0;padding-left:16px}.muted{color:#57606a}.warn{color:#9a6700}
.yes{color:#1a7f37}.no{color:#cf222e}nav{margin:10px 0}td.tags code,td.digest code{white-space:nowrap;overflow-wrap:normal}
@media (max-width:700px){td,th{font-size:12px;padding:3px}}`;

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${h(title)}</title><style>${STYLE}</style></head>` +
  `<body><header><a href="/">Tollgate verdict board</a> <span class="muted">read only</span></header>` +
  `<main>${body}</main></body></html>`;

const badge = (state: BoardState): string => `<span class="v ${h(state)}">${h(state)}</span>`;

/** The link to an image's page. */
export const imageHref = (repository: string, digest: string): string =>
  `/image${queryString({ repository, digest })}`;

const filterQuery = (filters: BoardFilters): Record<string, string | undefined> => ({
  verdict: filters.verdict,
  repository: filters.repository,
  expiring: filters.expiringDays === undefined ? undefined : String(filters.expiringDays),
  disagree: filters.disagree ? '1' : undefined,
});

const filterForm = (filters: BoardFilters): string => {
  const options = ['', ...BOARD_STATES]
    .map(
      (state) =>
        `<option value="${h(state)}"${filters.verdict === state || (state === '' && filters.verdict === undefined) ? ' selected' : ''}>${h(state === '' ? 'any' : state)}</option>`,
    )
    .join('');
  return (
    `<form method="get" action="/" aria-label="filters">` +
    `<label>verdict<select name="verdict">${options}</select></label>` +
    `<label>repository glob<input name="repository" placeholder="team/*" value="${h(filters.repository ?? '')}"></label>` +
    `<label>exceptions expiring within (days)<input name="expiring" inputmode="numeric" size="5" value="${h(filters.expiringDays === undefined ? '' : String(filters.expiringDays))}"></label>` +
    `<label class="check"><input type="checkbox" name="disagree" value="1"${filters.disagree ? ' checked' : ''}>record shows a disagreement</label>` +
    `<button type="submit">filter</button> <a href="/">clear</a></form>`
  );
};

const list = (items: readonly string[], empty = '<span class="muted">none</span>'): string =>
  items.length === 0 ? empty : `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;

const blockingItems = (row: Pick<BoardRow, 'blocking' | 'blockingTotal'>): string[] => {
  const items = row.blocking.map(
    (finding) =>
      `<code>${h(finding.id)}</code> ${h(finding.severity)}${finding.package === undefined ? '' : ` in <code>${h(finding.package)}</code>`} <span class="muted">(${h(finding.rule)})</span>`,
  );
  if (row.blockingTotal > row.blocking.length)
    items.push(`and ${h(row.blockingTotal - row.blocking.length)} more`);
  return items;
};

const exceptionItems = (row: Pick<BoardRow, 'exceptions'>): string[] =>
  row.exceptions.map(
    (exception) =>
      `<code>${h(exception.id)}</code>${exception.package === undefined ? '' : ` in <code>${h(exception.package)}</code>`}, expires ${h(exception.expires)}` +
      (exception.daysLeft === undefined
        ? ''
        : exception.daysLeft < 0
          ? ' <span class="no">(expired)</span>'
          : ` <span class="${exception.daysLeft <= 14 ? 'warn' : 'muted'}">(${h(exception.daysLeft)} days left)</span>`) +
      ` <span class="muted">${h(exception.reason)}</span>`,
  );

const signatureCells = (row: BoardRow): string =>
  SIGNATURE_FORMATS.map((format) =>
    row.signed[format]
      ? `<td class="yes" title="${h(format)} recorded">✓</td>`
      : `<td class="no" title="${h(format)} not recorded">–</td>`,
  ).join('');

const rowHtml = (row: BoardRow): string =>
  `<tr data-digest="${h(row.digest)}" data-state="${h(row.state)}">` +
  `<td>${badge(row.state)}</td>` +
  `<td class="digest"><a href="${h(imageHref(row.repository, row.digest))}"><code>${h(row.digest.slice(0, 19))}…</code></a></td>` +
  `<td class="tags">${row.tags.map((tag) => `<code>${h(tag)}</code>`).join(' ') || '<span class="muted">untagged</span>'}</td>` +
  `<td>${h(ageText(row.pushedAgoMs))}</td>` +
  `<td>${list(blockingItems(row))}</td>` +
  `<td>${list(exceptionItems(row))}</td>` +
  signatureCells(row) +
  `<td>${row.attestationAgeMs === undefined ? '<span class="muted">–</span>' : h(ageText(row.attestationAgeMs))}</td>` +
  `<td>${list(
    row.disagreements.map((line) => `<span class="warn">${h(line)}</span>`),
    '',
  )}</td></tr>`;

const byRepository = (rows: readonly BoardRow[]): Map<string, BoardRow[]> => {
  const groups = new Map<string, BoardRow[]>();
  const sorted = [...rows].sort(
    (a, b) => a.repository.localeCompare(b.repository) || a.pushedAgoMs - b.pushedAgoMs,
  );
  for (const row of sorted) groups.set(row.repository, [...(groups.get(row.repository) ?? []), row]);
  return groups;
};

const HEADINGS = [
  'verdict',
  'digest',
  'tags',
  'age',
  'blocking findings',
  'exceptions applied',
  '.sig',
  'bundle',
  'attestation',
  'attested scan age',
  'record shows',
];

export const renderListPage = (model: ListPageModel): string => {
  const groups = byRepository(model.rows);
  const body = [...groups]
    .map(
      ([repository, rows]) =>
        `<tbody><tr class="repo"><th colspan="${HEADINGS.length}">${h(repository)} <span class="muted">(${rows.length})</span></th></tr>` +
        rows.map(rowHtml).join('') +
        `</tbody>`,
    )
    .join('');
  const query = filterQuery(model.filters);
  const next =
    model.next === undefined
      ? '<span class="muted">end of the table</span>'
      : `<a rel="next" href="${h(`/${queryString({ ...query, cursor: model.next })}`)}">next page</a>`;
  const summary =
    `${model.rows.length} image(s) on this page, ${model.scanned} item(s) of <code>${h(model.table)}</code> read` +
    (model.continued ? ` <a href="${h(`/${queryString(query)}`)}">first page</a>` : '');
  return page(
    'Tollgate verdict board',
    `<h1>Images</h1>${filterForm(model.filters)}<p>${summary}</p>` +
      (model.rows.length === 0
        ? '<p class="muted">No image on this page matches.</p>'
        : `<div class="scroll"><table><thead><tr>${HEADINGS.map((heading) => `<th>${h(heading)}</th>`).join('')}</tr></thead>${body}</table></div>`) +
      `<nav>${next}</nav>`,
  );
};

const dl = (pairs: readonly (readonly [string, string])[]): string =>
  `<table>${pairs.map(([name, value]) => `<tr><th>${h(name)}</th><td>${value}</td></tr>`).join('')}</table>`;

export const renderImagePage = (model: ImagePageModel): string => {
  const { record } = model;
  const title = `${model.repository}@${model.digest}`;
  const state: BoardState | 'NO RECORD' = record === undefined ? 'NO RECORD' : boardState(record);
  const verdict = record?.verdict;
  const judged = verdict !== undefined && verdict.outcome !== 'ERROR' ? verdict : undefined;
  const parts: string[] = [
    `<h1>${state === 'NO RECORD' ? '<span class="v">NO RECORD</span>' : badge(state)} <code>${h(title)}</code></h1>`,
  ];
  if (record !== undefined) {
    parts.push(
      dl([
        ['registry', `<code>${h(record.image.registry)}</code>`],
        ['tags', record.tags.map((tag) => `<code>${h(tag)}</code>`).join(' ') || 'untagged'],
        ['status', h(record.status)],
        ['pushed', h(record.pushedAt)],
        ['decided', h(verdict?.decidedAt ?? '–')],
        ['policy', `<code>${h(verdict?.policyDigest ?? '(none recorded)')}</code>`],
        ['reasons', list((verdict?.reasons ?? []).map((reason) => h(reason)))],
        ['warnings', list((verdict?.warnings ?? []).map((warning) => h(warning)))],
        [
          'blocking findings',
          list(
            blockingItems({ blocking: judged?.blocking ?? [], blockingTotal: judged?.blockingTotal ?? 0 }),
          ),
        ],
        [
          'exceptions applied',
          list(
            (judged?.exceptionsApplied ?? []).map(
              (exception) =>
                `<code>${h(exception.id)}</code>${exception.package === undefined ? '' : ` in <code>${h(exception.package)}</code>`}, expires ${h(exception.expires)}, ${h(exception.matched)} matched: ${h(exception.reason)}`,
            ),
          ),
        ],
        [
          'signatures recorded',
          list(
            (record.signatures ?? []).map(
              (signature) => `${h(signature.format)} <code>${h(signature.reference)}</code>`,
            ),
          ),
        ],
      ]),
    );
  }
  const verdictOfStatus =
    model.status.code === 0
      ? '<span class="yes">the record and the registry agree</span>'
      : model.status.code === 1
        ? '<span class="no">the record and the registry disagree</span>'
        : '<span class="no">tollgate status failed</span>';
  parts.push(
    `<h2>tollgate status: ${verdictOfStatus}</h2><pre data-status-code="${h(model.status.code)}">${h(model.status.text)}</pre>`,
  );
  parts.push(`<nav><a href="/">all images</a></nav>`);
  return page(title, parts.join(''));
};

export const renderErrorPage = (status: number, message: string): string =>
  page(
    `Tollgate board: ${status}`,
    `<h1>${h(status)}</h1><p>${h(message)}</p><nav><a href="/">all images</a></nav>`,
  );
