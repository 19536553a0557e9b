/**
 * Issue 15's first promise, through the replay contract: a warning that turns critical is one alert — Raised, then
 * Escalated (same alertId, previous and new severity), then Resolved once — in `sentinel replay` (DynamoDB Local) and
 * `sentinel backtest` alike. The history: a day's ad spend passes 80 % of the daily budget (warning), then 100 %
 * (critical), and the day ends (the period's alert resolves).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AlertEscalatedEvent } from '../../events/outbound.ts';
import { backtest } from '../../local/backtest.ts';
import { replay } from '../../local/replay.ts';
import './harness.ts';

const CONFIG = {
  timezone: 'Asia/Shanghai',
  channels: [{ id: 'jd', name: 'JD', kind: 'marketplace', currency: 'CNY', budget: { daily: '1000.00' } }],
};

const spend = (id: string, at: string, amount: string) =>
  JSON.stringify({
    source: 'jd.ads',
    'detail-type': 'Ad Spend Recorded',
    time: at,
    detail: { eventId: id, occurredAt: at, channelId: 'jd', campaignId: 'c1', spend: amount, currency: 'CNY' },
  });
const sale = (id: string, at: string) =>
  JSON.stringify({
    source: 'jd.shop',
    'detail-type': 'Sale Recorded',
    time: at,
    detail: {
      eventId: id,
      occurredAt: at,
      channelId: 'jd',
      storeId: 's',
      orderId: id,
      currency: 'CNY',
      lines: [{ sku: 'X', quantity: 1, unitPrice: '9000.00' }],
    },
  });

// 2025-06-02 in Shanghai: 10:00 → 850 (85 %), 12:00 → 1,050 (105 %); the next day's first event moves the clock on.
const LINES = [
  sale('o-1', '2025-06-02T01:00:00Z'),
  spend('s-1', '2025-06-02T02:00:00Z', '850.00'),
  spend('s-2', '2025-06-02T04:00:00Z', '200.00'),
  sale('o-2', '2025-06-02T10:00:00Z'),
  sale('o-3', '2025-06-03T01:00:00Z'),
];

type Delivered = { 'detail-type': string; detail: Record<string, unknown> };

describe('one alert per incident, through replay and backtest', () => {
  it('a day overrun that turns critical is Raised → Escalated → Resolved under one alertId', async () => {
    const replayed: string[] = [];
    const backtested: string[] = [];
    await Promise.all([
      replay({ config: CONFIG, lines: LINES, emit: (l) => replayed.push(l) }),
      backtest({ config: CONFIG, lines: LINES, emit: (l) => backtested.push(l) }),
    ]);
    expect(backtested).toEqual(replayed);
    const actual = replayed
      .map((l) => JSON.parse(l) as Delivered)
      .filter((e) => e.detail.rule === 'budget_overrun' && String(e.detail.fingerprint).endsWith('|day|actual'));
    expect(actual.map((e) => e['detail-type'])).toEqual(['Alert Raised', 'Alert Escalated', 'Alert Resolved']);
    expect(new Set(actual.map((e) => e.detail.alertId)).size).toBe(1);
    const [raised, escalated, resolved] = actual as [Delivered, Delivered, Delivered];
    expect(raised.detail).toMatchObject({ severity: 'warning' });
    expect(escalated.detail).toMatchObject({ previousSeverity: 'warning', severity: 'critical', raisedAt: raised.detail.raisedAt });
    expect(AlertEscalatedEvent.detail.safeParse(escalated.detail).success).toBe(true);
    // Money at risk, updated while it fires: nothing beyond the budget at 85 %, 50.00 beyond it at 105 %.
    expect(raised.detail.impact).toMatchObject({ amount: '0.00', currency: 'CNY' });
    expect(escalated.detail.impact).toMatchObject({ amount: '50.00', currency: 'CNY', basis: 'Spend beyond the daily budget so far.' });
    expect(String(resolved.detail.reason)).not.toMatch(/escalat/);
  }, 120_000);

  it('sentinel alerts: ops list by money at risk and acknowledge once; an unknown alert is refused (exit 2)', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'sentinel-alerts-')), 'data');
    // Stop before the day ends: the overrun still fires.
    await replay({ config: CONFIG, lines: LINES.slice(0, 4), dataDir });
    const run = promisify(execFile);
    const sentinel = async (...args: string[]) => {
      try {
        const { stdout } = await run('node', ['bin/sentinel.js', 'alerts', ...args, '--data', dataDir], { cwd: process.cwd() });
        return { code: 0, stdout };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout + e.stderr };
      }
    };
    const list = await sentinel('list', '--json');
    const firing = (JSON.parse(list.stdout) as { firing: { alertId: string; basis?: string; impact?: { amount: string } }[] }).firing;
    const overrun = firing.find((a) => a.basis === 'actual');
    expect(overrun?.impact?.amount).toBe('50.00');
    const at = '2025-06-02T13:00:00+08:00';
    expect(await sentinel('ack', overrun?.alertId ?? '', '--note', 'paused campaign c1', '--by', 'ops-lee', '--at', at)).toMatchObject({
      code: 0,
      stdout: `acknowledged: ${overrun?.alertId} by ops-lee at 2025-06-02T05:00:00.000Z\n`,
    });
    expect((await sentinel('ack', overrun?.alertId ?? '', '--by', 'ops-wang', '--at', at)).stdout).toContain('already: ');
    expect((await sentinel('list')).stdout).toContain('[ack ops-lee: paused campaign c1]');
    expect((await sentinel('ack', 'alr-nope')).code).toBe(2);
    // Silences as data through the same handler: add, list, end early.
    const silences = async (...args: string[]) => {
      const { stdout } = await run('node', ['bin/sentinel.js', 'silences', ...args, '--data', dataDir, '--at', at], { cwd: process.cwd() });
      return stdout;
    };
    const added = JSON.parse(
      await silences(
        'add',
        '--rule',
        'budget_overrun',
        '--channel',
        'jd',
        '--to',
        '2025-06-02T20:00:00+08:00',
        '--comment',
        'budget raised at 14:00',
        '--json',
      ),
    ) as { id: string; state: string };
    expect(added.state).toBe('active');
    expect(await silences('list')).toContain(`${added.id}  active   budget_overrun on jd`);
    expect(await silences('expire', added.id)).toContain(`${added.id}  expired  budget_overrun on jd`);
  }, 120_000);
});
