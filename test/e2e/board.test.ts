import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DynamoVerdictStore } from '../../shared/adapters/aws/dynamodb';
import { verdictTableOf } from '../../local/verdict-records';
import { startBoard, type BoardDeps } from '../../cli/commands/board';
import type { RunningBoard } from '../../cli/commands/board-server';
import { loadSampleEvent } from '../helpers/shared-data';
import { startLocalStackHarness, type LocalStackHarness } from './harness';

// The verdict board in a real browser: Debian's chromium, driven by playwright-core (no browser download works
// here). CI installs chromium (scripts/ensure-system.sh) and must run this; elsewhere, without it, it is skipped.
jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI !== undefined && process.env.CI !== '') {
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (scripts/ensure-system.sh)`);
}
if (!haveChromium) {
  process.stderr.write(
    `test/e2e/board.test.ts: skipped, ${CHROMIUM} is missing (apt-get install chromium, or bash scripts/ensure-system.sh)\n`,
  );
}
const describeWithChromium = haveChromium ? describe : describe.skip;

const HOSTILE_TITLE = '<script>alert(1)</script>';
const HOSTILE_DESCRIPTION = '"><img src=x onerror=alert(1)>';
// The docs' screenshot is refreshed on request (TOLLGATE_DOCS_SCREENSHOT=1); otherwise it goes to the state folder,
// so a test run leaves the tree as it found it.
const SCREENSHOT =
  process.env.TOLLGATE_DOCS_SCREENSHOT === '1'
    ? resolve(__dirname, '../../docs/board.png')
    : join(tmpdir(), `tollgate-board-${process.pid}.png`);

describeWithChromium('the verdict board, in chromium, over the local stack', () => {
  let h: LocalStackHarness;
  let board: RunningBoard;
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  const dialogs: string[] = [];
  const digests: Record<'clean' | 'rejected' | 'revoked', string> = { clean: '', rejected: '', revoked: '' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-board-e2e-'));
    h = await startLocalStackHarness();
    const clean = await h.pushImage('shop/web', { tag: 'v1.4.2' });
    const rejected = await h.pushImage('shop/api', {
      tag: 'v2',
      findings: [
        { name: HOSTILE_TITLE, severity: 'CRITICAL', package: 'openssl', description: HOSTILE_DESCRIPTION },
      ],
    });
    const revoked = await h.pushImage('payments/api', { tag: 'v1' });
    digests.clean = clean.digest;
    digests.rejected = rejected.digest;
    digests.revoked = revoked.digest;
    await h.awaitRecord('shop/web', clean.digest, (r) => r.signatures.length === 3);
    await h.awaitRecord('shop/api', rejected.digest, (r) => r.outcome === 'REJECTED');
    await h.awaitRecord('payments/api', revoked.digest, (r) => r.signatures.length === 3);
    // Inspector's event for a new CRITICAL finding on the approved digest, as test/e2e/reconcile.test.ts puts it.
    const detail = structuredClone(loadSampleEvent('inspector2-finding-critical.json').detail) as {
      resources: { details: { awsEcrContainerImage: Record<string, unknown> }; id: string }[];
    };
    const resource = detail.resources[0]!;
    resource.details.awsEcrContainerImage.repositoryName = 'payments/api';
    resource.details.awsEcrContainerImage.imageHash = revoked.digest;
    resource.details.awsEcrContainerImage.registry = h.stack.environment.accountId;
    // The image's owner, which the finding rule matches as well as the event's account.
    (detail as unknown as { awsAccountId: string }).awsAccountId = h.stack.environment.accountId;
    resource.id = `arn:aws:ecr:${h.stack.environment.region}:${h.stack.environment.accountId}:repository/payments/api/${revoked.digest}`;
    await h.putEvent({ source: 'aws.inspector2', detailType: 'Inspector2 Finding', detail });
    await h.awaitRecord('payments/api', revoked.digest, (r) => r.outcome === 'REVOKED');
    await h.idle();

    const keyFile = join(dir, 'signing-key.pem');
    writeFileSync(keyFile, await h.stack.publicKeyPem());
    const table = verdictTableOf(h.stack.deployment)!;
    const documents = DynamoDBDocumentClient.from(h.stack.dynamo.client);
    const store = (name: string) => new DynamoVerdictStore({ client: documents, tableName: name });
    const deps: BoardDeps = {
      status: { verdicts: (name) => store(name), env: () => ({}) },
      scanClient: () => documents,
      verdicts: store,
      env: () => ({}),
      now: () => new Date(),
      open: () => undefined,
      untilStopped: () => Promise.resolve(),
    };
    board = await startBoard({ port: 0, host: '127.0.0.1', open: false, table, key: keyFile }, deps);

    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await context?.close();
    await board?.close();
    await h?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const row = (digest: string) => page.locator(`tr[data-digest="${digest}"]`);

  it('lists the images by repository, with verdict, blocking finding and signatures', async () => {
    const response = await page.goto(board.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    expect(response?.headers()['x-content-type-options']).toBe('nosniff');
    await expect(row(digests.clean).getAttribute('data-state')).resolves.toBe('APPROVED');
    await expect(row(digests.rejected).getAttribute('data-state')).resolves.toBe('REJECTED');
    await expect(row(digests.revoked).getAttribute('data-state')).resolves.toBe('REVOKED');
    const repositories = await page.locator('tr.repo th').allInnerTexts();
    expect(repositories.map((text) => text.replace(/\s*\(\d+\)$/, ''))).toEqual([
      'payments/api',
      'shop/api',
      'shop/web',
    ]);
    // All three formats recorded for the clean image, none for the rejected one.
    await expect(row(digests.clean).locator('td.yes').count()).resolves.toBe(3);
    await expect(row(digests.rejected).locator('td.no').count()).resolves.toBe(3);
    await expect(row(digests.clean).innerText()).resolves.toContain('v1.4.2');
    await expect(row(digests.revoked).innerText()).resolves.toContain('CVE-2026-12345');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('shows a hostile finding title as text, and runs nothing', async () => {
    await page.goto(board.url);
    const cell = row(digests.rejected).locator('td').nth(4);
    await expect(cell.innerText()).resolves.toContain(HOSTILE_TITLE);
    await expect(page.locator('main script, main img').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('filters by verdict, by repository glob, and what the record shows', async () => {
    await page.goto(board.url);
    await page.selectOption('select[name="verdict"]', 'REJECTED');
    await page.click('button[type="submit"]');
    await page.waitForURL(/verdict=REJECTED/);
    await expect(page.locator('tr[data-digest]').count()).resolves.toBe(1);
    await expect(row(digests.rejected).count()).resolves.toBe(1);

    await page.goto(`${board.url}?repository=shop/*`);
    await expect(page.locator('tr[data-digest]').count()).resolves.toBe(2);
    await expect(page.locator('input[name="repository"]').inputValue()).resolves.toBe('shop/*');

    await page.goto(`${board.url}?expiring=14`);
    await expect(page.locator('tr[data-digest]').count()).resolves.toBe(0);
    await expect(page.getByText('No image on this page matches.').count()).resolves.toBe(1);

    await page.goto(`${board.url}?disagree=1`);
    await expect(row(digests.clean).count()).resolves.toBe(0);

    const bad = await page.goto(`${board.url}?verdict=${encodeURIComponent(HOSTILE_TITLE)}`);
    expect(bad?.status()).toBe(400);
    expect(dialogs).toEqual([]);
  });

  it('has a page per image with what tollgate status says', async () => {
    await page.goto(board.url);
    await row(digests.clean).locator('a').click();
    await page.waitForURL(/\/image\?/);
    const status = page.locator('pre[data-status-code]');
    await expect(status.getAttribute('data-status-code')).resolves.toBe('0');
    await expect(status.innerText()).resolves.toContain('The record and the registry agree.');
    await expect(status.innerText()).resolves.toMatch(/\.sig\s+1 of ours, valid/);

    await page.goto(board.url);
    await row(digests.revoked).locator('a').click();
    await page.waitForURL(/\/image\?/);
    await expect(page.locator('h1 .v').innerText()).resolves.toBe('REVOKED');
    await expect(status.innerText()).resolves.toContain('REVOKED but our signatures are present');

    await page.goto(board.url);
    await row(digests.rejected).locator('a').click();
    await page.waitForURL(/\/image\?/);
    await expect(page.locator('main').innerText()).resolves.toContain(HOSTILE_TITLE);
    expect(dialogs).toEqual([]);
  });
});
