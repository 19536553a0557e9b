/**
 * Issue 16's promise through the replay contract, on the in-memory pipeline (`sentinel backtest`, the same use cases
 * as replay — test/integration/backtest.test.ts proves the two publish the same lines): a history that crosses a
 * Sunday and a month end yields daily, weekly and monthly reviews whose figures, in their latest revision, equal the
 * replay summary's for the same days — late events included — and whose store leaderboard adds up to the channels.
 */
import { describe, expect, it } from 'vitest';
import type { ReviewPublishedDetail } from '../../events/outbound.ts';
import { backtest } from '../../local/backtest.ts';
import { generateDemo } from '../../local/demo-scenario.ts';
import { SUMMARY_DAY_FIELDS } from '../../local/replay.ts';
import { minorDigits } from '../../shared/kernel/money.ts';
import { addInto, zeroTotals } from '../../shared/domain/aggregation.ts';
import { parseConfig } from '../../shared/domain/config.ts';
import { memoryServices } from '../../shared/runtime/compose.ts';
import { seedAggregates } from '../../local/seed-aggregates.ts';

const minor = (amount: string | number, currency: string) => Math.round(Number(amount) * 10 ** minorDigits(currency));

describe('reviews on the simulated clock', () => {
  it('publishes the day, week and month reviews, and their latest revisions equal the summary', async () => {
    // Monday 27 October to Sunday 2 November 2025: six days of October, the month end, a whole week.
    const demo = generateDemo({ startDay: '2025-10-27', days: 7, volume: 0.1 });
    const lines: string[] = [];
    const summary = await backtest({ config: demo.config, lines: demo.lines, emit: (l) => lines.push(l) });
    const published = lines
      .map((l) => JSON.parse(l) as { 'detail-type': string; detail: ReviewPublishedDetail })
      .filter((e) => e['detail-type'] === 'Review Published');
    const latest = new Map<string, ReviewPublishedDetail>();
    for (const { detail } of published) {
      const before = latest.get(detail.reviewId);
      // Each revision once, in order.
      expect(detail.revision).toBe(before === undefined ? 0 : before.revision + 1);
      latest.set(detail.reviewId, detail);
    }
    // Six days closed by the clock (the 7th ends with the history) and the month of October; at the end, the week and
    // November still open, to date (through 1 November).
    expect([...latest.keys()].sort()).toEqual([
      'rev-day-2025-10-27',
      'rev-day-2025-10-28',
      'rev-day-2025-10-29',
      'rev-day-2025-10-30',
      'rev-day-2025-10-31',
      'rev-day-2025-11-01',
      'rev-month-2025-10-01',
      'rev-month-2025-11-01',
      'rev-week-2025-10-27',
    ]);
    expect(latest.get('rev-week-2025-10-27')).toMatchObject({ from: '2025-10-27', to: '2025-11-01', days: 6, complete: false, previous: { days: 6 } });
    expect(latest.get('rev-month-2025-11-01')).toMatchObject({ from: '2025-11-01', to: '2025-11-01', complete: false });
    // Late arrivals after a day closed are counted in a revision, not lost.
    expect(published.some((e) => e.detail.revision > 0)).toBe(true);
    for (const review of latest.values()) {
      for (const channel of review.channels) {
        const days = Object.entries(summary.channels[channel.channelId]?.days ?? {}).filter(([day]) => day >= review.from && day <= review.to);
        for (const field of SUMMARY_DAY_FIELDS) {
          const money = typeof days[0]?.[1][field] === 'string';
          const want = days.reduce((sum, [, d]) => sum + (money ? minor(d[field], channel.currency) : Number(d[field])), 0);
          const got = channel.totals[field as keyof typeof channel.totals];
          expect(money ? minor(got, channel.currency) : got, `${review.reviewId} ${channel.channelId} ${field}`).toBe(want);
        }
        // Every sale and refund names its store: the leaderboard adds up to the channel.
        const stores = review.stores.filter((s) => s.channelId === channel.channelId);
        expect(
          stores.reduce((sum, s) => sum + minor(s.gmv, s.currency), 0),
          `${review.reviewId} ${channel.channelId} stores`,
        ).toBe(minor(channel.totals.gmv, channel.currency));
        expect(stores.reduce((sum, s) => sum + s.orders, 0)).toBe(channel.totals.orders);
        expect(
          stores.reduce((sum, s) => sum + minor(s.refunds, s.currency), 0),
          `${review.reviewId} ${channel.channelId} refunds`,
        ).toBe(minor(channel.totals.refunds, channel.currency));
      }
      expect(review.stores.map((s) => s.rank)).toEqual(review.stores.map((_, i) => i + 1));
    }
    const month = latest.get('rev-month-2025-10-01') as ReviewPublishedDetail;
    expect(month).toMatchObject({ from: '2025-10-01', to: '2025-10-31', days: 31, complete: true, previous: { from: '2025-09-01', to: '2025-09-30' } });
  });
});

describe('the review job on its own', () => {
  const parsed = parseConfig({
    timezone: 'Asia/Shanghai',
    channels: [{ id: 'tmall', name: 'Tmall', kind: 'marketplace', currency: 'CNY', budget: { daily: '100.00' } }],
  });
  if (!parsed.ok) throw new Error('config');
  const config = parsed.config;
  const midnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
  const sale = (day: string, gmv: bigint) => ({ channelId: 'tmall', hour: `${day}T10`, totals: addInto(zeroTotals(), { events: 1n, gmv, orders: 1n }) });

  it('reviews each period once, revises what late data changed, and completes a review to date when its period closes', async () => {
    const sent: string[] = [];
    const services = memoryServices(config, { putEvents: async (entries) => (sent.push(...entries.map((e) => JSON.stringify(e.detail))), []) });
    await seedAggregates(services.aggregates, [sale('2025-11-03', 10_000n), sale('2025-11-04', 20_000n)]);
    // Tuesday and Wednesday midnight: the days so far, then the open week and month to date (the end of a replay).
    expect((await services.reviewing.closeDay(config, midnight('2025-11-04'))).published.map((r) => r.reviewId)).toEqual(['rev-day-2025-11-03']);
    expect((await services.reviewing.closeDay(config, midnight('2025-11-05'))).published.map((r) => r.reviewId)).toEqual(['rev-day-2025-11-04']);
    expect((await services.reviewing.closeDay(config, midnight('2025-11-05'))).published).toEqual([]); // a retried run: nothing twice
    const settled = await services.reviewing.settle(config, midnight('2025-11-05') + 3_600_000);
    expect(settled.published.map((r) => [r.reviewId, r.to, r.complete])).toEqual([
      ['rev-week-2025-11-03', '2025-11-04', false],
      ['rev-month-2025-11-01', '2025-11-04', false],
    ]);
    // A late sale of Monday and the rest of the week: on Monday 10 November the week closes, complete, as a revision.
    await seedAggregates(services.aggregates, [sale('2025-11-03', 5_000n), sale('2025-11-08', 1_000n)]);
    const closed = await services.reviewing.closeDay(config, midnight('2025-11-10'));
    const week = closed.published.find((r) => r.reviewId === 'rev-week-2025-11-03');
    expect(week).toMatchObject({ to: '2025-11-09', complete: true, revision: 1, days: 7 });
    expect(week?.channels[0]?.totals.gmv).toBe('360.00');
    expect(closed.published.find((r) => r.reviewId === 'rev-day-2025-11-03')).toMatchObject({ revision: 1, channels: [{ totals: { gmv: '150.00' } }] });
    await services.reviewing.publish();
    expect(sent.filter((d) => d.includes('"rev-week-2025-11-03"'))).toHaveLength(2);
  });
});

describe('in Chinese', () => {
  it('writes alert summaries, resolutions and reviews in the configured language; the events stay codes otherwise', async () => {
    const config = {
      timezone: 'Asia/Shanghai',
      locale: 'zh-CN',
      channels: [{ id: 'jd', name: '京东自营', kind: 'marketplace', currency: 'CNY', budget: { daily: '1000.00' } }],
    };
    const at = (iso: string) => new Date(Date.parse(iso)).toISOString();
    const spend = (id: string, time: string, amount: string) =>
      JSON.stringify({
        source: 'jd.ads',
        'detail-type': 'Ad Spend Recorded',
        time: at(time),
        detail: { eventId: id, occurredAt: time, channelId: 'jd', campaignId: 'c1', spend: amount, currency: 'CNY' },
      });
    const lines = [spend('s-1', '2025-06-02T10:00:00+08:00', '1050.00'), spend('s-2', '2025-06-03T09:00:00+08:00', '10.00')];
    const out: { 'detail-type': string; detail: Record<string, unknown> }[] = [];
    await backtest({ config, lines, emit: (l) => out.push(JSON.parse(l) as (typeof out)[number]) });
    const raised = out.find((e) => e['detail-type'] === 'Alert Raised' && e.detail.basis === 'actual');
    expect(raised?.detail).toMatchObject({ rule: 'budget_overrun', severity: 'critical', summary: '京东自营已投放 1050.00 CNY，占日预算 1000.00 的 105%。' });
    const resolved = out.find((e) => e['detail-type'] === 'Alert Resolved' && e.detail.alertId === raised?.detail.alertId);
    expect(resolved?.detail.reason).toBe('预算周期已结束');
    const day = out.find((e) => e['detail-type'] === 'Review Published' && e.detail.reviewId === 'rev-day-2025-06-02');
    expect(day?.detail).toMatchObject({ locale: 'zh-CN', summary: expect.stringMatching(/^每日复盘 2025年6月2日：1 个渠道 GMV ¥0\.00/) });
  });
});
