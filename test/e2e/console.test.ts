import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushLines } from '../../cli/local-commands.ts';
import { generateDemo } from '../../local/demo-scenario.ts';
import type { ReplaySummary } from '../../local/replay.ts';
import { backtest } from '../../local/backtest.ts';
import { LocalServer } from '../../local/server.ts';
import { storeConfig } from '../../shared/adapters/config-store.ts';
import type { ReviewPublishedDetail } from '../../events/outbound.ts';
import { informativeChannels, mergeByTime } from '../integration/harness.ts';

/**
 * The console end to end, in Debian's Chromium driven by Playwright: the local server on a free loopback port, the
 * demo scenario pushed through the signed webhook, the figures compared with the replay summary of the same
 * lines, then the finance review — reject, approve, and a conflict — clicked through. Screenshots land in
 * test-artifacts/screenshots/.
 */
const SHOTS = join('test-artifacts', 'screenshots');
/** Debian's Chromium (Playwright drives it and never downloads a browser of its own). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without a browser the suite is skipped with one line saying how to run it — except in CI, which installs Chromium
// (.ci/run) and must never pass by skipping.
const RUN_BROWSER = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!RUN_BROWSER)
  console.warn(
    `e2e: browser tests skipped — no Chromium at ${CHROMIUM}. Run them with: apt-get install -y chromium (or CHROMIUM_PATH=/path/to/chromium) and npm test`,
  );
// Four days at a tenth of the demo's volume, with proposals from three days of data: the whole review in ~1 minute.
// The demo's channels are too noisy to move budget on after three days (the planner says so and leaves them alone);
// two channels whose GMV answers spend exactly give the daily job a case it can tell from so few days.
const demo = generateDemo({ days: 4, volume: 0.1 });
const informative = informativeChannels('2025-11-01', 4);
const scenario = {
  ...demo,
  lines: mergeByTime(demo.lines, informative.lines),
  config: { ...demo.config, channels: [...(demo.config.channels as unknown[]), ...informative.channels] } as Record<string, unknown>,
};
scenario.config.reallocation = { ...(scenario.config.reallocation as object), minDays: 3, expiresAfterHours: 36, minGainPct: 0.5 };
const LAST_DAY = '2025-11-04'; // the scenario starts on 1 November
const serverLog: string[] = [];
let server: LocalServer;
let browser: Browser;
let summary: ReplaySummary;
let pushedRefused = 0;

const money = (text: string | number) => Number(text).toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const line = (detailType: string, time: string, detail: Record<string, unknown>) =>
  JSON.stringify({ source: 'e2e.shop', 'detail-type': detailType, time: new Date(Date.parse(time)).toISOString(), detail });
const api = async (path: string, token?: string) => fetch(`${server.url}/api${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function signIn(page: Page, token: string, tab: string) {
  await page.goto(`${server.url}/#${tab}`);
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await page.fill('#token', token);
  await page.click('#login-form button');
  await page.waitForSelector(`body[data-ready="${tab}"]`);
}
async function open(page: Page, tab: string) {
  await page.evaluate("document.body.dataset.ready = ''");
  await page.goto(`${server.url}/#${tab}`);
  await page.evaluate("window.dispatchEvent(new HashChangeEvent('hashchange'))");
  await page.waitForSelector(`body[data-ready="${tab}"]`);
}

describe.skipIf(!RUN_BROWSER)('the local server and console', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-server-'));
    server = await LocalServer.start({ dataDir, config: scenario.config, port: 0, clock: 'events', log: (l) => serverLog.push(l) });
    // The same lines through the server's webhook and through `sentinel backtest`, whose summary is replay's
    // (test/integration/backtest.test.ts proves it) at a fraction of the time.
    const [replayed, pushed] = await Promise.all([
      backtest({ config: scenario.config, lines: scenario.lines }),
      pushLines(server.url, server.credentials, scenario.lines),
    ]);
    summary = replayed;
    pushedRefused = pushed.refused.length;
    expect(pushed.accepted + pushed.refused.length).toBe(scenario.lines.length);
    // The only refusals are lines the webhook cannot take as events at all (the scenario's malformed JSON).
    expect(pushed.refused.every((r) => r.status === 400)).toBe(true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('binds to loopback only and refuses unauthenticated calls', async () => {
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1');
    for (const path of ['/overview', '/alerts', '/proposals', '/budgets', '/status']) {
      expect((await api(path)).status, path).toBe(401);
      expect((await api(path, 'not-a-token')).status, path).toBe(401);
    }
    expect((await fetch(`${server.url}/api/jobs/propose`, { method: 'POST' })).status).toBe(401);
    const unsigned = await fetch(`${server.url}/events`, { method: 'POST', body: scenario.lines[0] });
    expect(unsigned.status).toBe(401);
  });

  it('shows each channel with the figures of the replay summary', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await signIn(page, server.credentials.tokens.ops, 'channels');
    const overview = (await (await api('/overview', server.credentials.tokens.ops)).json()) as { today: string };
    for (const [channelId, { days }] of Object.entries(summary.channels)) {
      const day = days[overview.today];
      const card = page.locator(`[data-testid="channel-${channelId}"]`);
      expect(await card.locator('[data-field="gmv"]').innerText(), channelId).toBe(money(day?.gmv ?? 0));
      expect(await card.locator('[data-field="orders"]').innerText(), channelId).toBe(String(day?.orders ?? 0));
      expect(await card.locator('[data-field="spend"]').innerText(), channelId).toBe(money(day?.spend ?? 0));
    }
    expect(await page.locator('.spark canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'channels.png'), fullPage: true });
    await page.close();
  });

  it('lists firing alerts first, with rule, subject, summary and evidence', async () => {
    // A store dumping below the price floor right now: a firing alert the page must show.
    const at = server.status().clock;
    await pushLines(server.url, server.credentials, [
      line('Sale Recorded', at, {
        eventId: 'e2e-dump',
        occurredAt: at,
        channelId: 'jd',
        storeId: 'jd-pop',
        orderId: 'e2e-o1',
        currency: 'CNY',
        lines: [{ sku: 'SERUM-30ML', quantity: 1, unitPrice: '99.00' }],
      }),
    ]);
    const alerts = (await (await api('/alerts', server.credentials.tokens.ops)).json()) as { firing: { alertId: string; rule: string }[]; resolved: unknown[] };
    expect(alerts.firing.some((a) => a.rule === 'price_violation')).toBe(true);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await signIn(page, server.credentials.tokens.ops, 'alerts');
    const statuses = await Promise.all((await page.locator('[data-testid="alerts-table"] tbody tr').all()).map((row) => row.getAttribute('data-status')));
    expect(statuses.slice(0, alerts.firing.length).every((s) => s === 'firing')).toBe(true);
    expect(statuses.length).toBe(alerts.firing.length + alerts.resolved.length);
    await expect.poll(() => page.locator('#alerts h2').innerText()).toBe(`Alerts — ${alerts.firing.length} firing`);
    expect(await page.locator(`[data-testid="alert-${alerts.firing.find((a) => a.rule === 'price_violation')?.alertId}"]`).innerText()).toMatch(
      /jd-pop.*SERUM-30ML[\s\S]*99\.00/,
    );
    // Ops acknowledge the price violation from its row, with a note; the row says who took it on.
    const violation = alerts.firing.find((a) => a.rule === 'price_violation')?.alertId;
    page.once('dialog', (dialog) => void dialog.accept('calling the jd-pop store manager'));
    await page.locator(`[data-testid="alert-${violation}"] button.acknowledge`).click();
    await expect
      .poll(() => page.locator(`[data-testid="alert-${violation}"] [data-testid="acknowledged"]`).innerText())
      .toBe('Acknowledged by ops@local: “calling the jd-pop store manager”');
    // Filters: one rule at a time.
    await page.locator('[data-testid="filter-rule"]').selectOption('price_violation');
    await expect
      .poll(() => page.locator('[data-testid="alerts-table"] tbody tr').count())
      .toBe([...alerts.firing, ...(alerts.resolved as { rule: string }[])].filter((a) => a.rule === 'price_violation').length);
    await page.screenshot({ path: join(SHOTS, 'alerts.png'), fullPage: true });
    // The alert's own page: its figure over time with its life marked, its money at risk and evidence.
    await page.locator(`[data-testid="alert-${violation}"] [data-testid="alert-link"]`).click();
    await page.waitForSelector('body[data-ready="alert"]');
    expect(await page.locator('[data-testid="alert-title"]').innerText()).toBe('price_violation on jd — jd-pop · SERUM-30ML');
    expect(await page.locator('[data-testid="alert-impact"]').innerText()).toMatch(/^At risk: \d+\.\d{2} CNY — Revenue given away below the price floor/);
    expect(await page.locator('[data-testid="alert-marks"]').innerText()).toMatch(/raised[\s\S]*acknowledged/);
    await expect.poll(() => page.locator('[data-testid="alert-chart"] canvas').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'alert.png'), fullPage: true });
    // Silences as data: ops silence a rule on a channel from the console, see it active, and end it.
    await open(page, 'silences');
    await page.locator('[data-testid="silence-form"] select[name="rule"]').selectOption('roi_drop');
    await page.locator('[data-testid="silence-form"] select[name="channelId"]').selectOption('jd');
    await page.locator('[data-testid="silence-form"] input[name="comment"]').fill('618 ramp-up, ROI expected low');
    await page.locator('[data-testid="silence-form"] button[type="submit"]').click();
    await expect.poll(() => page.locator('[data-testid="silences-table"] tbody tr[data-state="active"]').count()).toBe(1);
    await page.locator('[data-testid="silences-table"] button.expire').click();
    await expect.poll(() => page.locator('[data-testid="silences-table"] tbody tr[data-state="expired"]').count()).toBe(1);
    const stored = (await (await api('/silences', server.credentials.tokens.ops)).json()) as { silences: { comment: string; createdBy: string }[] };
    expect(stored.silences).toMatchObject([{ comment: '618 ramp-up, ROI expected low', createdBy: 'ops@local' }]);
    // Data quality: what the webhook took and ingest quarantined, by reason, as the replay counted it (less the
    // malformed JSON the webhook itself refused with 400 and never took in).
    await open(page, 'data-quality');
    const expectedReasons = new Map<string, number>();
    for (const q of summary.quarantine) expectedReasons.set(q.reason, (expectedReasons.get(q.reason) ?? 0) + 1);
    expectedReasons.set('invalid_json', (expectedReasons.get('invalid_json') ?? 0) - pushedRefused);
    const shown = await page.locator('[data-testid="dq-reasons"] tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    expect(new Map(shown.map(([reason, n]) => [reason as string, Number(n)]))).toEqual(new Map([...expectedReasons].filter(([, n]) => n > 0)));
    expect(await page.locator('[data-testid="dq-recent"] tbody tr').count()).toBe(
      Math.min(
        50,
        [...expectedReasons.values()].reduce((a, b) => a + b, 0),
      ),
    );
    await page.screenshot({ path: join(SHOTS, 'data-quality.png'), fullPage: true });
    // Ops can read proposals but has no buttons to decide them.
    await open(page, 'proposals');
    expect(await page.locator('button.approve').count()).toBe(0);
    await page.close();
  });

  it('lets finance reject, approve (budgets change) and see a conflict explained', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    await signIn(page, server.credentials.tokens.finance, 'proposals');
    // The HKD pool (the two informative channels): the demo's CNY channels may hold a proposal of their own.
    const pendingCard = () => page.locator('article.proposal[data-status="pending"]').filter({ hasText: 'HKD' });
    expect(await pendingCard().count(), serverLog.filter((l) => /PROPOSAL|BUDGET/.test(l)).join('\n')).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'proposals.png'), fullPage: true });

    // Reject: reason recorded, outcome shown.
    const first = (await pendingCard().getAttribute('data-testid'))?.replace('proposal-', '') as string;
    await pendingCard().locator('[data-testid="reason"]').fill('Hold until the Double 11 results are in');
    await pendingCard().locator('button.reject').click();
    await page.waitForSelector('[data-testid="flash"]');
    expect(await page.locator('[data-testid="flash"]').innerText()).toContain(`${first} rejected`);
    expect(await page.locator(`[data-testid="proposal-${first}"]`).innerText()).toMatch(/rejected by finance@local[\s\S]*Hold until/);

    // The next business day closes: a new proposal — and the configured budgets are edited underneath before finance
    // clicks Approve: a conflict, explained, nothing changed.
    // Closing a day: every feed reports late in the evening (a silent feed is left out of proposals), then the clock
    // passes midnight.
    const at = (n: number, time: string) => new Date(Date.parse(`${LAST_DAY}T${time}+08:00`) + n * 86_400_000).toISOString();
    const channelIds = (scenario.config.channels as { id: string }[]).map((c) => c.id);
    const closeDay = (n: number) =>
      pushLines(server.url, server.credentials, [
        ...channelIds.map((channelId) =>
          line('Traffic Recorded', at(n - 1, '23:30:00'), { eventId: `e2e-late-${n}`, occurredAt: at(n - 1, '23:30:00'), channelId, visits: 1 }),
        ),
        line('Traffic Recorded', at(n, '00:30:00'), { eventId: `e2e-tick-${n}`, occurredAt: at(n, '00:30:00'), channelId: 'tmall', visits: 1 }),
      ]);
    await closeDay(1);
    await open(page, 'proposals');
    expect(await pendingCard().count()).toBe(1);
    const second = (await pendingCard().getAttribute('data-testid'))?.replace('proposal-', '') as string;
    expect(second).not.toBe(first);
    const edited = structuredClone(scenario.config) as { channels: { budget: { daily: string } }[] };
    (edited.channels[0] as { budget: { daily: string } }).budget.daily = '16000.00';
    await storeConfig(server.pipeline.db.dynamo, server.pipeline.tables.state, edited, Date.now());
    await pendingCard().locator('button.approve').click();
    await page.waitForSelector('.outcome.conflict');
    expect(await page.locator('.outcome.conflict').innerText()).toMatch(/Not approved: budgets changed since the proposal was computed/);
    await page.screenshot({ path: join(SHOTS, 'conflict.png'), fullPage: true });
    expect(((await (await api('/budgets', server.credentials.tokens.finance)).json()) as { version: string }).version).toMatch(/^v0-/);

    // Another day: a proposal on the edited budgets; approve it and see the budgets in force change everywhere.
    await closeDay(2);
    await open(page, 'proposals');
    expect(await pendingCard().count(), serverLog.filter((l) => /PROPOSAL|BUDGET|feed_stale/.test(l)).join('\n')).toBe(1);
    const third = (await pendingCard().getAttribute('data-testid'))?.replace('proposal-', '') as string;
    expect(await page.locator(`[data-testid="proposal-${second}"]`).innerText(), serverLog.filter((l) => /PROPOSAL|BUDGET/.test(l)).join('\n')).toMatch(
      /superseded by/,
    );
    const proposal = (await (await api(`/proposals/${third}`, server.credentials.tokens.finance)).json()) as {
      currency: string;
      budgets: { channelId: string; after: string }[];
    };
    await pendingCard().locator('[data-testid="reason"]').fill('Marginal ROI case is clear');
    await pendingCard().locator('button.approve').click();
    await page.waitForSelector('[data-testid="flash"]');
    expect(await page.locator('[data-testid="flash"]').innerText()).toContain(`${third} approved`);
    for (const b of proposal.budgets)
      expect(await page.locator(`[data-testid="budget-${b.channelId}"] [data-field="daily"]`).innerText()).toBe(`${money(b.after)} ${proposal.currency}`);
    await page.screenshot({ path: join(SHOTS, 'approved.png'), fullPage: true });
    await open(page, 'channels');
    const changed = proposal.budgets[0] as { channelId: string; after: string };
    expect(await page.locator(`[data-testid="channel-${changed.channelId}"] [data-field="daily-budget"]`).innerText()).toBe(money(changed.after));
    await page.close();
  });
  it('shows the reviews in English and Chinese, exports each table as CSV, and fits a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await signIn(page, server.credentials.tokens.ops, 'reviews');
    // The scenario's Sunday (2 November) closed a week: its review is listed and opens from the list.
    const id = 'rev-week-2025-10-27';
    await page.click(`[data-testid="review-${id}"]`);
    await page.waitForSelector('body[data-ready="review"]');
    const review = (await (await api(`/reviews/${id}`, server.credentials.tokens.ops)).json()) as ReviewPublishedDetail;
    expect(await page.locator('[data-testid="review-title"]').innerText()).toMatch(/^Weekly review 27 Oct 2025 – 2 Nov 2025/);
    const rows = page.locator('[data-testid="review-channels"] tbody tr');
    expect(await rows.count()).toBe(review.channels.length);
    for (const [i, c] of review.channels.entries()) {
      const cells = rows.nth(i).locator('td');
      expect(await cells.nth(0).innerText()).toBe(c.channelId);
      expect(await cells.nth(1).innerText()).toBe(new Intl.NumberFormat('en', { style: 'currency', currency: c.currency }).format(Number(c.totals.gmv)));
      expect(await cells.nth(3).innerText()).toBe(String(c.totals.orders));
    }
    expect(await page.locator('[data-testid="review-stores"] tbody tr').count()).toBe(review.stores.length);
    // Each table's CSV: the header and one line per row, as shown.
    const csv = (await page.evaluate(
      `(async () => { const link = document.querySelector('[data-testid="review-channels-csv"]'); return { name: link.download, text: await (await fetch(link.href)).text() }; })()`,
    )) as { name: string; text: string };
    expect(csv.name).toBe(`${id}-channels.csv`);
    const csvLines = csv.text.replace(/^\ufeff/, '').split('\r\n');
    expect(csvLines[0]).toMatch(/^"Channel","GMV","vs previous","Orders","AOV"/);
    expect(csvLines).toHaveLength(review.channels.length + 1);
    await page.screenshot({ path: join(SHOTS, 'review-en.png'), fullPage: true });

    // 中文: the same figures, the plans' terms, money and dates the Chinese way; kept for the next visit.
    await page.evaluate("document.body.dataset.ready = ''");
    await page.selectOption('#locale', 'zh-CN');
    await page.waitForSelector('body[data-ready="review"]');
    expect(await page.locator('[data-testid="review-title"]').innerText()).toMatch(/^周度复盘 2025年10月27日 – 2025年11月2日/);
    expect(await page.locator('[data-testid="review-summary"]').innerText()).toMatch(/^周度复盘 .*个渠道 GMV ¥/);
    const head = await page.locator('[data-testid="review-channels"] thead').innerText();
    for (const term of ['渠道', '环比', '订单数', '客单价', '转化率', '退款率', '投放花费', '预算使用率']) expect(head).toContain(term);
    expect(await page.locator('nav a[data-tab="reviews"]').innerText()).toBe('复盘报表');
    const first = review.channels[0] as ReviewPublishedDetail['channels'][number];
    expect(await rows.nth(0).locator('td').nth(1).innerText()).toBe(
      new Intl.NumberFormat('zh-CN', { style: 'currency', currency: first.currency }).format(Number(first.totals.gmv)),
    );

    // The other pages follow: their labels in Chinese, their data as it is.
    await open(page, 'alerts');
    expect(await page.locator('#alerts h2').innerText()).toMatch(/^告警 — \d+ 个未解决$/);
    await open(page, 'data-quality');
    expect(await page.locator('#data-quality h2').innerText()).toBe('数据质量');
    await page.evaluate("document.body.dataset.ready = ''");
    await page.goto(`${server.url}/#review/${id}`);
    await page.waitForSelector('body[data-ready="review"]');

    // A phone: nothing wider than the screen but the tables, which scroll inside their own box.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SHOTS, 'review-zh-390.png'), fullPage: true });
    await page.close();
  });
});
