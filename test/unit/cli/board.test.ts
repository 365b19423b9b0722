import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Digest, ImageRecord, ImageRef, SignatureRef } from '../../../shared/core/domain';
import { escapeHtml, queryString } from '../../../shared/core/board/escape';
import { renderImagePage, renderListPage } from '../../../shared/core/board/html';
import {
  boardRow,
  BoardQueryError,
  matchesFilters,
  parseFilters,
  recordDisagreements,
  type BoardSettings,
} from '../../../shared/core/board/view';
import { CursorError, decodeCursor, encodeCursor, scanPage } from '../../../cli/commands/board-scan';
import { NotLoopbackError, startBoardServer, type RunningBoard } from '../../../cli/commands/board-server';
import { createBoardCommand } from '../../../cli/commands/board';
import { recordFor, verdictFor } from '../../doubles';
import { runCommand } from './run-command';

const NOW = new Date('2026-06-10T12:00:00.000Z');
const SETTINGS: BoardSettings = {
  formats: ['cosign-legacy', 'sigstore-bundle', 'vuln-attestation'],
  scanTimeoutMinutes: 60,
};
const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  'bell\u0007 nul\u0000 esc\u001b[31m cr\r del\u007f',
  'rtl\u202eexe.txt',
  '`${alert(1)}`',
];

const imageOf = (n: number, repository = 'team/app'): ImageRef => ({
  registry: 'registry.example',
  repository,
  digest: `sha256:${n.toString(16).padStart(64, '0')}` as Digest,
});

const signed = (image: ImageRef): readonly SignatureRef[] => [
  { format: 'cosign-legacy', reference: `${image.repository}:sha256-x.sig@sha256:${'1'.repeat(64)}` },
  { format: 'sigstore-bundle', reference: `${image.repository}@sha256:${'2'.repeat(64)}` },
  { format: 'vuln-attestation', reference: `${image.repository}@sha256:${'3'.repeat(64)}` },
];

const rejectedWith = (image: ImageRef, id: string, pkg = 'openssl'): ImageRecord => {
  const verdict = verdictFor(image, 'REJECTED');
  if (verdict.outcome !== 'REJECTED') throw new Error('unreachable');
  return recordFor(image, {
    verdict: {
      ...verdict,
      reasons: [`${id} is CRITICAL`],
      blocking: [{ id, severity: 'CRITICAL', package: pkg, rule: 'severityLimits.CRITICAL' }],
      blockingTotal: 1,
    },
  });
};

const withException = (image: ImageRef, expires: string): ImageRecord => {
  const verdict = verdictFor(image, 'APPROVED');
  if (verdict.outcome !== 'APPROVED') throw new Error('unreachable');
  return recordFor(image, {
    signatures: signed(image),
    verdict: {
      ...verdict,
      exceptionsApplied: [{ id: 'CVE-2026-7', package: 'zlib', reason: 'no fix yet', expires, matched: 1 }],
    },
  });
};

// Markup, and the controls escapeHtml shows as codes (tab and newline excepted).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[<>"'`\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

describe('escapeHtml', () => {
  it.each(HOSTILE)('renders %j as inert text', (hostile) => {
    const escaped = escapeHtml(hostile);
    expect(escaped).not.toMatch(UNSAFE);
  });

  it('says what it escaped', () => {
    expect(escapeHtml('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeHtml('"><img src=x onerror=alert(1)>')).toBe('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml('a\u0007b\u202ec')).toBe('a\\u0007b\\u202ec');
    expect(escapeHtml('lone \ud800 surrogate')).toBe('lone \\ud800 surrogate');
    expect(escapeHtml('ok 😀 tab\tline\n')).toBe('ok 😀 tab\tline\n');
  });

  it('never lets markup or a control through, for any string', () => {
    fc.assert(
      fc.property(
        fc
          .array(
            fc.oneof(
              fc.constantFrom('<', '>', '"', "'", '`', '&', '\u0000', '\u001b', '\u007f', '\u0085', '\u202e'),
              fc.string({ unit: 'binary', maxLength: 3 }),
            ),
          )
          .map((parts) => parts.join('')),
        (text) => {
          expect(escapeHtml(text)).not.toMatch(UNSAFE);
        },
      ),
    );
  });

  it('percent-encodes a query string', () => {
    expect(queryString({ repository: 'a&b="c"', digest: undefined })).toBe('?repository=a%26b%3D%22c%22');
    expect(queryString({})).toBe('');
  });
});

describe('the list and image pages', () => {
  it('renders every hostile string from scanners and pushers as text', () => {
    const rows = HOSTILE.map((hostile, n) => {
      const image = imageOf(n + 1, 'team/app');
      const record = rejectedWith(image, hostile, hostile);
      return boardRow({ ...record, tags: [hostile] }, SETTINGS, NOW);
    });
    const html = renderListPage({
      table: 'verdicts',
      filters: { repository: '"><script>x</script>', disagree: false },
      rows,
      scanned: rows.length,
      next: encodeCursor({ pk: 'image#"><b>', sk: 'verdict' }),
      continued: false,
    });
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>|onmouseover='/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('bell\\u0007');
    // Only the page's own elements: one <style>, no script anywhere.
    expect(html.match(/<[a-z]+/g)!.every((tag) => !['<script', '<img', '<iframe'].includes(tag))).toBe(true);
  });

  it('shows the image page with the status text escaped', () => {
    const image = imageOf(9);
    const html = renderImagePage({
      table: 'verdicts',
      repository: image.repository,
      digest: image.digest,
      record: rejectedWith(image, HOSTILE[1]!),
      status: { code: 1, text: `REJECTED ${HOSTILE[0]}\n` },
    });
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('the record and the registry disagree');
    expect(html).toContain('REJECTED &lt;script&gt;');
  });
});

describe('filters', () => {
  it('parses the query string, and refuses a value that names nothing', () => {
    const query = (values: Record<string, string>) => (name: string) => values[name] ?? null;
    expect(
      parseFilters(query({ verdict: 'REJECTED', repository: 'team/*', expiring: '7', disagree: '1' })),
    ).toEqual({
      verdict: 'REJECTED',
      repository: 'team/*',
      expiringDays: 7,
      disagree: true,
    });
    expect(parseFilters(query({ verdict: '', disagree: '0' }))).toEqual({ disagree: false });
    expect(() => parseFilters(query({ verdict: 'MAYBE' }))).toThrow(BoardQueryError);
    expect(() => parseFilters(query({ expiring: '-1' }))).toThrow(BoardQueryError);
    expect(() => parseFilters(query({ expiring: '9999' }))).toThrow(BoardQueryError);
  });

  it('by verdict, repository glob, expiring exceptions and what the record shows', () => {
    const clean = boardRow(
      recordFor(imageOf(1, 'team/app'), { signatures: signed(imageOf(1)) }),
      SETTINGS,
      NOW,
    );
    const rejected = boardRow(rejectedWith(imageOf(2, 'other/api'), 'CVE-1'), SETTINGS, NOW);
    const soon = boardRow(withException(imageOf(3, 'team/lib'), '2026-06-15'), SETTINGS, NOW);
    const later = boardRow(withException(imageOf(4, 'team/lib'), '2026-09-01'), SETTINGS, NOW);
    const unsigned = boardRow(recordFor(imageOf(5, 'team/app')), SETTINGS, NOW);
    const rows = [clean, rejected, soon, later, unsigned];
    const pick = (filters: Parameters<typeof matchesFilters>[1]) =>
      rows.filter((row) => matchesFilters(row, filters)).map((row) => row.digest);
    expect(pick({ verdict: 'REJECTED', disagree: false })).toEqual([rejected.digest]);
    expect(pick({ repository: 'team/*', disagree: false })).toEqual([
      clean.digest,
      soon.digest,
      later.digest,
      unsigned.digest,
    ]);
    expect(pick({ expiringDays: 14, disagree: false })).toEqual([soon.digest]);
    expect(pick({ expiringDays: 90, disagree: false })).toEqual([soon.digest, later.digest]);
    expect(pick({ disagree: true })).toEqual([unsigned.digest]);
    expect(soon.exceptions[0]!.daysLeft).toBe(5);
  });

  it('reads disagreements from the record alone', () => {
    const image = imageOf(1);
    expect(recordDisagreements(recordFor(image, { signatures: signed(image) }), SETTINGS, NOW)).toEqual([]);
    expect(recordDisagreements(recordFor(image, { announcementPending: true }), SETTINGS, NOW)).toEqual([
      'APPROVED but the record names no cosign-legacy signature',
      'APPROVED but the record names no sigstore-bundle signature',
      'APPROVED but the record names no vuln-attestation signature',
      'announcement pending: the APPROVED verdict is not yet on the bus',
    ]);
    const pending = recordFor(image, { status: 'PENDING_SCAN', updatedAt: '2026-06-10T09:00:00.000Z' });
    expect(recordDisagreements(pending, SETTINGS, NOW)).toEqual([
      'pending a scan past the scan timeout (scanTimeoutMinutes 60)',
    ]);
  });
});

/** The verdict table as a Scan sees it: items in key order, Limit counted before the filter, as DynamoDB does. */
class ScanTable {
  public readonly calls: { Limit?: number; ExclusiveStartKey?: Record<string, unknown> }[] = [];
  private readonly items: Record<string, unknown>[];

  public constructor(records: readonly ImageRecord[], others: readonly Record<string, unknown>[] = []) {
    this.items = [
      ...records.map((record) => ({
        pk: `image#${record.image.repository}@${record.image.digest}`,
        sk: 'verdict',
        ...record,
      })),
      ...others,
    ].sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
  }

  public send = (command: ScanCommand): Promise<Record<string, unknown>> => {
    const input = command.input;
    this.calls.push({
      ...(input.Limit === undefined ? {} : { Limit: input.Limit }),
      ...(input.ExclusiveStartKey === undefined ? {} : { ExclusiveStartKey: input.ExclusiveStartKey }),
    });
    const after = input.ExclusiveStartKey?.pk as string | undefined;
    const start = after === undefined ? 0 : this.items.findIndex((item) => String(item.pk) > after);
    const evaluated = start < 0 ? [] : this.items.slice(start, start + (input.Limit ?? 1e9));
    const last = start >= 0 && start + evaluated.length < this.items.length ? evaluated.at(-1) : undefined;
    return Promise.resolve({
      Items: evaluated.filter((item) => String(item.pk).startsWith('image#')),
      ScannedCount: evaluated.length,
      ...(last === undefined ? {} : { LastEvaluatedKey: { pk: last.pk, sk: last.sk } }),
    });
  };
}

describe('scanPage', () => {
  const records = Array.from({ length: 25 }, (_, n) => recordFor(imageOf(n + 1)));
  const others = [
    { pk: 'tag#team/app:v1', sk: 'tag', digest: 'sha256:x' },
    { pk: 'reconcile#cursor', sk: 'cursor', next: 'x' },
    { pk: 'image#broken', sk: 'verdict' },
  ];

  it('pages the table, never more rows than asked, skipping what is not an image record', async () => {
    const table = new ScanTable(records, others);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await scanPage(table, 't', {
        rows: 10,
        keep: () => true,
        ...(cursor === undefined ? {} : { cursor }),
      });
      expect(page.records.length).toBeLessThanOrEqual(10);
      seen.push(...page.records.map((record) => record.image.digest));
      cursor = page.next;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(table.calls.every((call) => (call.Limit ?? Infinity) <= 10)).toBe(true);
  });

  it('ends a page early at its scan budget when a filter matches little', async () => {
    const table = new ScanTable(records);
    const page = await scanPage(table, 't', { rows: 10, budget: 12, keep: () => false });
    expect(page.records).toEqual([]);
    expect(page.scanned).toBe(12);
    expect(page.next).toBeDefined();
  });

  it('refuses a cursor it did not give', () => {
    expect(decodeCursor(encodeCursor({ pk: 'image#a', sk: 'verdict' }))).toEqual({
      pk: 'image#a',
      sk: 'verdict',
    });
    expect(() => decodeCursor('not-json')).toThrow(CursorError);
    expect(() => decodeCursor(Buffer.from('{"pk":1}').toString('base64url'))).toThrow(CursorError);
  });
});

const get = (
  url: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.host === undefined ? {} : { host: options.host },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });

describe('the board server', () => {
  let board: RunningBoard;
  const statusCalls: string[] = [];
  const records = [
    ...Array.from({ length: 450 }, (_, n) =>
      recordFor(imageOf(n + 1, n % 2 === 0 ? 'team/app' : 'team/api'), {
        signatures: signed(imageOf(n + 1)),
      }),
    ),
    rejectedWith(imageOf(1000, 'team/app'), HOSTILE[0]!),
  ];
  const table = new ScanTable(records, [{ pk: 'tag#team/app:v1', sk: 'tag' }]);

  beforeAll(async () => {
    board = await startBoardServer({
      table: 'verdicts',
      host: '127.0.0.1',
      port: 0,
      settings: SETTINGS,
      scanClient: table,
      readRecord: (key) =>
        Promise.resolve(
          records.find((r) => r.image.repository === key.repository && r.image.digest === key.digest),
        ),
      status: (image) => {
        statusCalls.push(image);
        return Promise.resolve({ code: 0, text: `APPROVED  ${image}\n` });
      },
      now: () => NOW,
    });
  });
  afterAll(() => board.close());

  it('serves the list a page at a time, with the security headers', async () => {
    const first = await get(board.url);
    expect(first.status).toBe(200);
    expect(first.headers['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.body.match(/<tr data-digest=/g)).toHaveLength(200);
    const next = /<a rel="next" href="([^"]+)"/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    const second = await get(new URL(next, board.url).toString());
    expect(second.body.match(/<tr data-digest=/g)).toHaveLength(200);
    expect(second.body).toContain('first page');
  });

  it('filters, the hostile finding as text', async () => {
    const rejected = await get(`${board.url}?verdict=REJECTED`);
    expect(rejected.body.match(/<tr data-digest=/g)).toHaveLength(1);
    expect(rejected.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rejected.body).not.toContain('<script>');
    expect((await get(`${board.url}?verdict=NOPE`)).status).toBe(400);
    expect((await get(`${board.url}?cursor=garbage`)).status).toBe(400);
  });

  it('shows one image with what tollgate status says', async () => {
    const image = imageOf(1000, 'team/app');
    const page = await get(
      `${board.url}image${queryString({ repository: image.repository, digest: image.digest })}`,
    );
    expect(page.status).toBe(200);
    expect(statusCalls).toContain(`registry.example/team/app@${image.digest}`);
    expect(page.body).toContain('the record and the registry agree');
    expect((await get(`${board.url}image?repository=team/app&digest=sha256:zz`)).status).toBe(400);
  });

  it('is read only and answers only for its own name', async () => {
    expect((await get(board.url, { method: 'POST' })).status).toBe(405);
    expect((await get(board.url, { host: 'evil.example' })).status).toBe(421);
    expect((await get(`${board.url}nope`)).status).toBe(404);
  });

  it('binds to 127.0.0.1 only', async () => {
    await expect(
      startBoardServer({
        table: 't',
        host: '0.0.0.0',
        port: 0,
        settings: SETTINGS,
        scanClient: table,
        readRecord: () => Promise.resolve(undefined),
        status: () => Promise.resolve({ code: 0, text: '' }),
        now: () => NOW,
      }),
    ).rejects.toThrow(NotLoopbackError);
  });
});

describe('tollgate board', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-board-'));
  const pem = join(dir, 'key.pem');
  writeFileSync(
    pem,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const command = (opened: string[] = []) =>
    createBoardCommand({
      env: () => ({}),
      scanClient: () => new ScanTable([]),
      verdicts: () => ({ get: () => Promise.resolve(undefined) }),
      open: (url) => opened.push(url),
      untilStopped: () => Promise.resolve(),
    });

  it('refuses any address but 127.0.0.1, and an unpinned alias', async () => {
    const wide = await runCommand(command(), ['--table', 't', '--host', '0.0.0.0', '--key', pem]);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toMatch(/binds to 127\.0\.0\.1 only, not 0\.0\.0\.0/);
    const alias = await runCommand(command(), ['--table', 't']);
    expect(alias.code).toBe(2);
    expect(alias.stderr).toMatch(/key-id/);
    expect((await runCommand(command(), ['--key', pem])).stderr).toMatch(/--table NAME is required/);
  });

  it('prints its URL, opens it with --open, and stops', async () => {
    const opened: string[] = [];
    const result = await runCommand(command(opened), ['--table', 't', '--key', pem, '--port', '0', '--open']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tollgate board: http:\/\/127\.0\.0\.1:\d+\/ \(read only, table t\)/);
    expect(opened).toHaveLength(1);
  });
});
