import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sentinel } from './cli.ts';
import { generateDemo } from '../../local/demo-scenario.ts';
import { SUMMARY_DAY_FIELDS } from '../../local/replay.ts';
import { formatMoney } from '../../shared/kernel/money.ts';
import { REALLOCATION_CONFIG, REALLOCATION_HISTORY } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-replay-'));

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CONFIG = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'tmall', name: 'Tmall', kind: 'marketplace', currency: 'CNY', budget: { daily: '20000.00' } },
    { id: 'rakuten', name: 'Rakuten', kind: 'marketplace', currency: 'JPY', budget: { daily: '500000' } },
  ],
};
const line = (detailType: string, time: string, detail: Record<string, unknown>) =>
  JSON.stringify({ source: 'cli.test', 'detail-type': detailType, time, detail });
const sale = (eventId: string, occurredAt: string, price: string | number, channelId = 'tmall', currency = 'CNY') => ({
  eventId,
  occurredAt,
  channelId,
  storeId: 's1',
  orderId: `o-${eventId}`,
  currency,
  lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: price }],
});

describe('sentinel replay', () => {
  it('replays a file to the letter of SPEC §6', async () => {
    const lines = [
      line('Sale Recorded', '2025-01-15T10:05:00Z', sale('s-1', '2025-01-15T18:00:00+08:00', '199.00')), // 1
      line('Ad Spend Recorded', '2025-01-15T10:06:00Z', {
        eventId: 'sp-1',
        occurredAt: '2025-01-15T18:00:00+08:00',
        channelId: 'tmall',
        campaignId: 'c',
        spend: 1520.5,
        currency: 'CNY',
        impressions: 120000,
        clicks: 3100,
        reportedConversions: 61,
        reportedRevenue: '30500.00',
      }), // 2
      '', // 3: blank lines are not events
      line('Sale Recorded', '2025-01-15T10:07:00Z', sale('s-1', '2025-01-15T18:00:00+08:00', '199.00')), // 4: identical redelivery
      line('Sale Recorded', '2025-01-15T10:08:00Z', sale('s-1', '2025-01-15T18:00:00+08:00', '99.00')), // 5: conflicting duplicate
      line('Refund Recorded', '2025-01-15T16:30:00Z', {
        eventId: 'r-1',
        occurredAt: '2025-01-16T00:10:00+08:00',
        channelId: 'tmall',
        storeId: 's1',
        orderId: 'o-s-1',
        amount: '199.00',
        currency: 'CNY',
      }), // 6: next business day
      line('Traffic Recorded', '2025-01-15T10:09:00Z', { eventId: 't-1', occurredAt: '2025-01-15T17:59:00+08:00', channelId: 'tmall', visits: 4200 }), // 7
      '{"source": "broken', // 8
      line('Order Shipped', '2025-01-15T10:10:00Z', { eventId: 'x-1' }), // 9
      line('Sale Recorded', '2025-01-15T10:11:00Z', sale('jp-1', '2025-01-15T19:00:00+09:00', '1999', 'rakuten', 'JPY')), // 10
      line('Sale Recorded', '2025-01-15T10:12:00Z', sale('jp-2', '2025-01-15T19:00:00+09:00', '1999.5', 'rakuten', 'JPY')), // 11: JPY has no decimals
    ];
    const config = write('config.json', JSON.stringify(CONFIG));
    const events = write('events.ndjson', `${lines.join('\n')}\n`);
    const summaryPath = join(dir, 'summary.json');
    const outPath = join(dir, 'out.ndjson');
    const result = await sentinel('replay', '--config', config, '--events', events, '--out', outPath, '--summary', summaryPath);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(existsSync(outPath)).toBe(true);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(Object.keys(summary)).toEqual(['channels', 'events', 'quarantine']);
    expect(summary.channels.tmall.days['2025-01-15']).toEqual({
      gmv: '398.00',
      orders: 1,
      units: 2,
      refunds: '0.00',
      refundCount: 0,
      spend: '1520.50',
      impressions: 120000,
      clicks: 3100,
      reportedConversions: 61,
      visits: 4200,
    });
    expect(summary.channels.tmall.days['2025-01-16']).toEqual({
      gmv: '0.00',
      orders: 0,
      units: 0,
      refunds: '199.00',
      refundCount: 1,
      spend: '0.00',
      impressions: 0,
      clicks: 0,
      reportedConversions: 0,
      visits: 0,
    });
    expect(summary.channels.rakuten.days['2025-01-15']).toMatchObject({ gmv: '3998', orders: 1, spend: '0' });
    expect(summary.events).toEqual({ received: 10, accepted: 5, superseded: 0, duplicates: 1, quarantined: 4 });
    expect(summary.quarantine).toEqual([
      { line: 5, eventId: 's-1', reason: 'conflicting_duplicate' },
      { line: 8, eventId: null, reason: 'invalid_json' },
      { line: 9, eventId: 'x-1', reason: 'unknown_detail_type' },
      { line: 11, eventId: 'jp-2', reason: 'schema_error' },
    ]);
  }, 120_000);

  it('writes outbound events to stdout by default and nothing else there', async () => {
    const config = write('config2.json', JSON.stringify(CONFIG));
    const events = write('events2.ndjson', `${line('Sale Recorded', '2025-01-15T10:05:00Z', sale('s-1', '2025-01-15T18:00:00+08:00', '1.00'))}\n{bad\n`);
    const result = await sentinel('replay', '--config', config, '--events', events);
    expect(result.code, result.stderr).toBe(0);
    for (const text of result.stdout.split('\n').filter(Boolean)) expect(JSON.parse(text)).toHaveProperty('detail-type');
    expect(result.stderr).toContain('1 accepted');
  }, 120_000);

  it('matches the demo generator’s reference sums', async () => {
    const demo = generateDemo({ days: 1, volume: 0.15, seed: 5 });
    const config = write('demo-config.json', JSON.stringify(demo.config));
    const events = write('demo-events.ndjson', `${demo.lines.join('\n')}\n`);
    const summaryPath = join(dir, 'demo-summary.json');
    const result = await sentinel('replay', '--config', config, '--events', events, '--summary', summaryPath);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    for (const [channelId, byDay] of demo.expected) {
      for (const [day, totals] of byDay) {
        const want = Object.fromEntries(
          SUMMARY_DAY_FIELDS.map((f) => [f, ['gmv', 'refunds', 'spend'].includes(f) ? formatMoney(totals[f], 'CNY') : Number(totals[f])]),
        );
        expect(summary.channels[channelId].days[day], `${channelId} ${day}`).toEqual(want);
      }
    }
    expect(summary.quarantine.map((q: { line: number; reason: string }) => [q.line, q.reason])).toEqual([...demo.expectedQuarantine.entries()]);
    expect(summary.events.duplicates).toBe(demo.expectedDuplicates);
    expect(summary.events.received).toBe(demo.lines.length);
  }, 180_000);

  it('refuses a bad configuration with every problem listed, exit 2', async () => {
    const config = write(
      'bad-config.json',
      JSON.stringify({ timezone: 'Nowhere/City', channels: [{ id: 'x', name: 'X', kind: 'shop', currency: 'CNY', budget: { daily: '1.001' } }] }),
    );
    const events = write('e.ndjson', '');
    const result = await sentinel('replay', '--config', config, '--events', events);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('timezone:');
    expect(result.stderr).toContain('channels[0].kind:');
    expect(result.stdout).toBe('');
  });

  it('refuses unreadable files and bad command lines, exit 2', async () => {
    const config = write('ok.json', JSON.stringify(CONFIG));
    expect((await sentinel('replay', '--config', config, '--events', join(dir, 'missing.ndjson'))).stderr).toMatch(/cannot read events file .*ENOENT/);
    expect((await sentinel('replay', '--config', join(dir, 'nope.json'), '--events', config)).code).toBe(2);
    expect((await sentinel('replay', '--config', write('notjson.json', '{'), '--events', config)).stderr).toMatch(/not valid JSON/);
    expect((await sentinel('replay', '--events', config)).code).toBe(2);
    expect((await sentinel('replay', '--config', config, '--events', config, '--bogus')).code).toBe(2);
    expect((await sentinel('frobnicate')).code).toBe(2);
  });
});

describe('sentinel sign and config push refuse what they cannot use, exit 2', () => {
  it('names the missing body file, and lists a bad configuration before touching any table', async () => {
    const sign = await sentinel('sign', '--secret', 'abcdefghijklmnopqrstuvwxyz', '--body', join(dir, 'missing-body.json'));
    expect(sign.code).toBe(2);
    expect(sign.stderr).toMatch(/cannot read body file .*missing-body\.json: ENOENT/);
    const push = await sentinel(
      'config',
      'push',
      '--table',
      'no-such-table',
      '--config',
      write('bad-push.json', JSON.stringify({ timezone: 'Mars/Olympus', channels: [] })),
    );
    expect(push.code).toBe(2);
    expect(push.stderr).toMatch(/refused, nothing stored:\n {2}- timezone: .*\n {2}- channels:/);
    const notJson = await sentinel('config', 'push', '--table', 'no-such-table', '--config', write('not-json.json', '{'));
    expect([notJson.code, notJson.stderr]).toEqual([2, expect.stringMatching(/is not valid JSON/)]);
  });
});

describe('sentinel <command> --help', () => {
  it('answers every command with its own usage and exit 0', async () => {
    const commands = {
      replay: 'sentinel replay --config',
      backtest: 'sentinel backtest --config',
      demo: 'sentinel demo',
      proposals: 'sentinel proposals list',
      budgets: 'sentinel budgets',
      start: 'sentinel start',
      push: 'sentinel push',
      config: 'sentinel config push',
      sign: 'sentinel sign',
      convert: 'sentinel convert --source',
      pull: 'sentinel pull --config',
      report: 'sentinel report [--period day|week|month]',
    };
    const answers = await Promise.all(Object.keys(commands).map((command) => sentinel(command, '--help')));
    Object.values(commands).forEach((usage, i) => {
      expect(answers[i]?.code, usage).toBe(0);
      expect(answers[i]?.stdout, usage).toContain(usage);
      // Its own usage only, not the whole page.
      expect(answers[i]?.stdout, usage).not.toContain('Exit status');
    });
  });
});

describe('sentinel proposals and budgets, against a replay kept with --data', () => {
  it('lists, approves (once), refuses a late reject, and shows the budgets after', async () => {
    const data = join(dir, 'budgets-db');
    // The history, then one event after midnight so the simulated clock crosses the close of 10 November.
    const lines = [
      ...REALLOCATION_HISTORY(),
      line('Traffic Recorded', '2025-11-10T16:30:00Z', { eventId: 'after-close', occurredAt: '2025-11-11T00:30:00+08:00', channelId: 'tmall', visits: 1 }),
    ];
    const replayed = await sentinel(
      'replay',
      '--config',
      write('realloc.json', JSON.stringify(REALLOCATION_CONFIG)),
      '--events',
      write('realloc.ndjson', `${lines.join('\n')}\n`),
      '--data',
      data,
    );
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain('"detail-type":"Budget Reallocation Proposed"');

    const listed = await sentinel('proposals', 'list', '--data', data);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/prop-2025-11-10-CNY\s+pending/);

    // Approve in plain words (what `show` prints, plus the decision), then again as JSON: the first outcome stands.
    const at = '2025-11-11T09:00:00+08:00';
    const approved = await sentinel('proposals', 'approve', 'prop-2025-11-10-CNY', '--reason', 'clear case', '--reviewer', 'li.na', '--at', at, '--data', data);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/Move [\d,.]+ CNY of daily budget from group-buy to douyin-live/);
    expect(approved.stdout).toMatch(/Expected gain: \+[\d,.]+ CNY GMV a day/);
    expect(approved.stdout).toMatch(/APPROVED by li\.na .*"clear case"; budgets now v1-/);
    const again = await sentinel('proposals', 'approve', 'prop-2025-11-10-CNY', '--at', at, '--data', data, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'approved', repeated: true, decision: { by: 'li.na', reason: 'clear case' } });
    const rejected = await sentinel('proposals', 'reject', 'prop-2025-11-10-CNY', '--reason', 'changed my mind', '--at', at, '--data', data);
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toMatch(/already_decided/);

    const budgets = await sentinel('budgets', '--data', data, '--json');
    const body = JSON.parse(budgets.stdout) as { version: string; channels: { channelId: string; source: string }[] };
    expect(body.version).toMatch(/^v1-/);
    expect(
      body.channels
        .filter((c) => c.source === 'approved')
        .map((c) => c.channelId)
        .sort(),
    ).toEqual(expect.arrayContaining(['douyin-live', 'group-buy']));
    // The review of the closed day (the newest kept), in Chinese; the week's, to date, as JSON with the decision in it.
    const day = await sentinel('report', '--data', data, '--locale', 'zh-CN');
    expect(day.code, day.stderr).toBe(0);
    expect(day.stdout).toMatch(/^每日复盘 2025年11月10日\n/);
    for (const term of ['客单价', '转化率', '投放花费', '问题整改记录', '门店与团长排行榜']) expect(day.stdout).toContain(term);
    const week = await sentinel('report', '--period', 'week', '--at', '2025-11-11', '--data', data, '--json');
    expect(week.code, week.stderr).toBe(0);
    expect(JSON.parse(week.stdout)).toMatchObject({
      reviewId: 'rev-week-2025-11-10',
      // The week's earlier proposals expired in it (superseded); the last one was approved.
      proposals: expect.arrayContaining([
        expect.objectContaining({ proposalId: 'prop-2025-11-09-CNY', status: 'expired' }),
        expect.objectContaining({ proposalId: 'prop-2025-11-10-CNY', status: 'approved', decidedBy: 'li.na' }),
      ]),
    });
    expect((await sentinel('report', '--period', 'year', '--data', data)).code).toBe(2);
    // A replay refuses to reuse a database.
    expect((await sentinel('replay', '--config', join(dir, 'realloc.json'), '--events', join(dir, 'realloc.ndjson'), '--data', data)).code).toBe(2);
  }, 180_000);
});
