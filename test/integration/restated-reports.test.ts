/**
 * Issue 14's acceptance: a history in which each campaign-day is reported 1–5 times, out of order, with
 * redeliveries, yields day spend equal to the latest report's to the fen — in `sentinel backtest` for many generated
 * histories, and in `sentinel replay` (DynamoDB Local, its transactions and stream MODIFY records) for some, with the
 * same outbound events and summary. The reference is computed here from the generated reports alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../local/backtest.ts';
import { replay, type ReplaySummary } from '../../local/replay.ts';
import './harness.ts';

const CONFIG = {
  timezone: 'Asia/Shanghai',
  channels: [
    { id: 'meta-ads', name: 'Meta ads', kind: 'social_content', currency: 'CNY', budget: { daily: '100000.00' } },
    { id: 'google-ads', name: 'Google Ads', kind: 'search_ads', currency: 'CNY', budget: { daily: '100000.00' } },
  ],
};
const DATES = ['2025-03-01', '2025-03-02', '2025-03-03'];
/** All reports are computed before the first arrives (asOf on the date or up to three days after, Shanghai). */
const FIRST_ARRIVAL_MS = Date.parse('2025-03-07T00:00:00Z');
const fen = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;

interface Report {
  readonly eventId: string;
  readonly slot: string;
  readonly channelId: string;
  readonly date: string;
  readonly asOfMs: number;
  readonly spendFen: number;
  readonly clicks: number;
}

const campaignDay = fc.record({
  channelId: fc.constantFrom('meta-ads', 'google-ads'),
  campaignId: fc.constantFrom('c1', 'c2', 'c3'),
  date: fc.constantFrom(...DATES),
  reports: fc.array(fc.record({ hoursAfter: fc.integer({ min: 0, max: 95 }), spendFen: fc.integer({ min: 0, max: 9_000_000 }), clicks: fc.nat(50_000) }), {
    minLength: 1,
    maxLength: 5,
  }),
});

const history = fc.uniqueArray(campaignDay, { minLength: 1, maxLength: 12, selector: (d) => `${d.channelId} ${d.campaignId} ${d.date}` }).chain((days) => {
  let n = 0;
  const reports: Report[] = days.flatMap((d) =>
    d.reports.map((r, i) => ({
      eventId: `rep-${n++}`,
      slot: `${d.channelId} ${d.campaignId} ${d.date}`,
      channelId: d.channelId,
      date: d.date,
      // Midnight of the date in Shanghai, plus whole hours, plus i seconds: no two reports of a campaign-day tie.
      asOfMs: Date.parse(`${d.date}T00:00:00+08:00`) + r.hoursAfter * 3_600_000 + i * 1000,
      spendFen: r.spendFen,
      clicks: r.clicks,
    })),
  );
  return fc.record({
    reports: fc.constant(reports),
    order: fc.shuffledSubarray(reports, { minLength: reports.length, maxLength: reports.length }),
    redeliveries: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
  });
});

function lines(h: { order: readonly Report[]; redeliveries: readonly [number, number][] }): { lines: string[]; first: Report[] } {
  const sequence: Report[] = [...h.order];
  for (const [from, offset] of h.redeliveries) {
    const source = sequence[from % sequence.length] as Report;
    sequence.splice(Math.min(sequence.length, (from % sequence.length) + 1 + (offset % 7)), 0, source);
  }
  const text = sequence.map((r, i) =>
    JSON.stringify({
      source: 'ads.connector',
      'detail-type': 'Ad Spend Reported',
      time: new Date(FIRST_ARRIVAL_MS + i * 60_000).toISOString(),
      detail: {
        eventId: r.eventId,
        channelId: r.channelId,
        campaignId: r.slot.split(' ')[1],
        date: r.date,
        asOf: new Date(r.asOfMs).toISOString(),
        spend: fen(r.spendFen),
        currency: 'CNY',
        clicks: r.clicks,
      },
    }),
  );
  return { lines: text, first: sequence };
}

/** What the summary must say, from the reports alone: latest asOf per campaign-day, and which arrived too late. */
function expected(reports: readonly Report[], arrivals: readonly Report[]) {
  const latest = new Map<string, Report>();
  for (const r of reports) if ((latest.get(r.slot)?.asOfMs ?? -1) < r.asOfMs) latest.set(r.slot, r);
  const days = new Map<string, { spend: number; clicks: number }>();
  for (const r of latest.values()) {
    const key = `${r.channelId} ${r.date}`;
    const day = days.get(key) ?? { spend: 0, clicks: 0 };
    days.set(key, { spend: day.spend + r.spendFen, clicks: day.clicks + r.clicks });
  }
  const newest = new Map<string, number>();
  const seen = new Set<string>();
  let superseded = 0;
  for (const r of arrivals) {
    if (seen.has(r.eventId)) continue;
    seen.add(r.eventId);
    if ((newest.get(r.slot) ?? -1) > r.asOfMs) superseded += 1;
    else newest.set(r.slot, r.asOfMs);
  }
  return { days, superseded, duplicates: arrivals.length - seen.size };
}

function check(summary: ReplaySummary, reports: readonly Report[], arrivals: readonly Report[]) {
  const want = expected(reports, arrivals);
  const got = new Map<string, { spend: number; clicks: number }>();
  for (const [channelId, { days }] of Object.entries(summary.channels))
    for (const [day, totals] of Object.entries(days))
      if (Number(totals.clicks) !== 0 || totals.spend !== '0.00')
        got.set(`${channelId} ${day}`, { spend: Math.round(Number(totals.spend) * 100), clicks: Number(totals.clicks) });
  for (const [key, value] of want.days) if (value.spend === 0 && value.clicks === 0) want.days.delete(key);
  expect(got).toEqual(want.days);
  for (const { days } of Object.values(summary.channels)) for (const totals of Object.values(days)) expect(totals.spend).toMatch(/^\d+\.\d{2}$/);
  expect(summary.events).toEqual({
    received: arrivals.length,
    accepted: reports.length,
    superseded: want.superseded,
    duplicates: want.duplicates,
    quarantined: 0,
  });
}

describe('restated ad reports: the latest asOf is the day, exactly', () => {
  it('backtest: any order of 1–5 reports per campaign-day, with redeliveries', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const { lines: text, first } = lines(h);
        check(await backtest({ config: CONFIG, lines: text }), h.reports, first);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('replay on DynamoDB Local agrees with the backtest and the reference', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const { lines: text, first } = lines(h);
        const replayed: string[] = [];
        const backtested: string[] = [];
        const [r, b] = await Promise.all([
          replay({ config: CONFIG, lines: text, emit: (l) => replayed.push(l) }),
          backtest({ config: CONFIG, lines: text, emit: (l) => backtested.push(l) }),
        ]);
        check(r, h.reports, first);
        expect(b).toEqual(r);
        expect(backtested).toEqual(replayed);
      }),
      { numRuns: 3 },
    );
  }, 240_000);
});
