/**
 * `Ad Spend Reported` (SPEC §7, issue 14): a campaign-day's report with the latest asOf is the day's truth. Admission,
 * the ingest outcomes and where a restatement's change lands, through the ingest use case on the in-memory ports and
 * the stream application the backtest uses. The order-independence property is in test/integration/restated-reports.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { AD_SPEND_REPORTED } from '../../events/normalised.ts';
import { makeIngesting } from '../../shared/app/ingesting.ts';
import { memoryEventStore, memoryIntakeLog, memoryShardRecord, staticConfigSource } from '../../shared/adapters/memory.ts';
import { admit } from '../../shared/domain/admission.ts';
import { addInto, preAggregate, type Totals, zeroTotals } from '../../shared/domain/aggregation.ts';
import { body, config } from '../fixtures.ts';

const cfg = config();
const logger = new Logger({ serviceName: 'test', logLevel: 'CRITICAL' });
const metrics = new Metrics({ namespace: 'Test', serviceName: 'test', logger });

const report = (eventId: string, fields: { date?: string; asOf: string; spend: string; clicks?: number; campaignId?: string }) => ({
  eventId,
  channelId: 'tmall',
  campaignId: fields.campaignId ?? 'cmp-1',
  date: fields.date ?? '2025-01-15',
  asOf: fields.asOf,
  spend: fields.spend,
  currency: 'CNY',
  ...(fields.clicks === undefined ? {} : { clicks: fields.clicks }),
});
const line = (detail: Record<string, unknown>, time: string) => body(AD_SPEND_REPORTED, detail, time);

/** The ingest use case on memory ports, and the hour totals the stream application makes of what it stored. */
function pipeline() {
  const events = memoryEventStore();
  const intake = memoryIntakeLog();
  const ingest = makeIngesting({ config: staticConfigSource(cfg), events, intake, logger, metrics });
  const hours = new Map<string, Totals>();
  let n = 0;
  return {
    intake,
    send: (text: string) => ingest({ messageId: `m-${n++}`, body: text, sentAtMs: 0 }),
    hours() {
      const records = events.drain().map(memoryShardRecord);
      for (const d of preAggregate(records.flatMap((r) => (r.item ? [r.item] : []))))
        addInto(hours.get(d.hour) ?? hours.set(d.hour, zeroTotals()).get(d.hour)!, d.totals);
      return new Map([...hours].map(([h, t]) => [h, { spend: t.spend, clicks: t.clicks, events: t.events }]));
    },
  };
}

describe('Ad Spend Reported: admission', () => {
  const reason = (detail: Record<string, unknown>, time = '2025-01-15T10:05:00Z') => {
    const a = admit(line(detail, time), cfg);
    return a.ok ? 'accepted' : a.reason;
  };
  it('allows asOf five minutes after arrival and not a second more', () => {
    expect(reason(report('r', { asOf: '2025-01-15T10:10:00Z', spend: '1' }))).toBe('accepted');
    expect(reason(report('r', { asOf: '2025-01-15T10:10:01Z', spend: '1' }))).toBe('occurred_in_future');
  });
  it('refuses a date after the business day of asOf (Asia/Shanghai), at the local midnight', () => {
    // 2025-01-15T16:00Z is 00:00 on the 16th in Shanghai.
    expect(reason(report('r', { date: '2025-01-16', asOf: '2025-01-15T15:59:59Z', spend: '1' }), '2025-01-15T16:01:00Z')).toBe('occurred_in_future');
    expect(reason(report('r', { date: '2025-01-16', asOf: '2025-01-15T16:00:00Z', spend: '1' }), '2025-01-15T16:01:00Z')).toBe('accepted');
  });
  it('restates up to reportRestatementDays (35) business days before arrival', () => {
    // Arrival on the 15th (Shanghai): the 35th day before is 2024-12-11.
    expect(reason(report('r', { date: '2024-12-11', asOf: '2025-01-15T10:00:00Z', spend: '1' }))).toBe('accepted');
    expect(reason(report('r', { date: '2024-12-10', asOf: '2025-01-15T10:00:00Z', spend: '1' }))).toBe('too_late');
    const strict = { ...cfg, reportRestatementDays: 3 };
    const a = admit(line(report('r', { date: '2025-01-11', asOf: '2025-01-15T10:00:00Z', spend: '1' }), '2025-01-15T10:05:00Z'), strict);
    expect(a.ok ? 'accepted' : a.reason).toBe('too_late');
  });
  it('is not bound by the lateness window of occurrences: a 30-day-old day is still open to restatement', () => {
    expect(reason(report('r', { date: '2024-12-16', asOf: '2025-01-15T10:00:00Z', spend: '1' }))).toBe('accepted');
  });
  it('places a running day in the hour of asOf, a closed day in its last hour', () => {
    const running = admit(line(report('r', { asOf: '2025-01-15T03:20:00Z', spend: '1' }), '2025-01-15T03:21:00Z'), cfg);
    expect(running.ok && running.bucket).toEqual({ day: '2025-01-15', hour: '2025-01-15T11' });
    const closed = admit(line(report('r', { date: '2025-01-14', asOf: '2025-01-15T03:20:00Z', spend: '1' }), '2025-01-15T03:21:00Z'), cfg);
    expect(closed.ok && closed.bucket).toEqual({ day: '2025-01-14', hour: '2025-01-14T23' });
  });
});

describe('Ad Spend Reported: outcomes and totals', () => {
  it('a newer report replaces the day; its increase lands in the hour of its asOf', async () => {
    const p = pipeline();
    expect(await p.send(line(report('r1', { asOf: '2025-01-15T02:00:00Z', spend: '100.00', clicks: 10 }), '2025-01-15T02:01:00Z'))).toBe('accepted');
    expect(await p.send(line(report('r2', { asOf: '2025-01-15T05:30:00Z', spend: '250.50', clicks: 12 }), '2025-01-15T05:31:00Z'))).toBe('accepted');
    // Restated down the next day: the change lands in the day's last hour, and the day is the latest report exactly.
    expect(await p.send(line(report('r3', { asOf: '2025-01-16T01:00:00Z', spend: '240.00', clicks: 11 }), '2025-01-16T01:01:00Z'))).toBe('accepted');
    expect(p.hours()).toEqual(
      new Map([
        ['2025-01-15T10', { spend: 10000n, clicks: 10n, events: 1n }],
        ['2025-01-15T13', { spend: 15050n, clicks: 2n, events: 1n }],
        ['2025-01-15T23', { spend: -1050n, clicks: -1n, events: 1n }],
      ]),
    );
  });

  it('an older report arriving later is accepted as superseded and changes nothing; its redelivery is a duplicate', async () => {
    const p = pipeline();
    await p.send(line(report('new', { asOf: '2025-01-15T05:00:00Z', spend: '300.00' }), '2025-01-15T05:01:00Z'));
    const before = p.hours();
    expect(await p.send(line(report('old', { asOf: '2025-01-15T04:00:00Z', spend: '200.00' }), '2025-01-15T05:02:00Z'))).toBe('superseded');
    expect(await p.send(line(report('old', { asOf: '2025-01-15T04:00:00Z', spend: '200.00' }), '2025-01-15T05:03:00Z'))).toBe('duplicate');
    expect(p.hours()).toEqual(before);
    expect((await p.intake.supersededReports()).map((e) => e.eventId)).toEqual(['old']);
    expect((await p.intake.duplicates()).map((e) => e.eventId)).toEqual(['old']);
  });

  it('the same report again is a duplicate under its own or another eventId; other figures as of the same instant conflict', async () => {
    const p = pipeline();
    const first = report('r1', { asOf: '2025-01-15T05:00:00Z', spend: '300.00', clicks: 5 });
    await p.send(line(first, '2025-01-15T05:01:00Z'));
    expect(await p.send(line(first, '2025-01-15T05:02:00Z'))).toBe('duplicate');
    // The same report, its amount spelt differently, under another eventId (a connector re-pulling the same figures).
    expect(await p.send(line({ ...first, eventId: 'r1-again', spend: 300 }, '2025-01-15T05:02:00Z'))).toBe('duplicate');
    expect(await p.send(line({ ...first, eventId: 'r1-other', spend: '301.00' }, '2025-01-15T05:03:00Z'))).toBe('quarantined');
    expect(await p.send(line({ ...first, spend: '299.00', asOf: '2025-01-15T05:10:00Z' }, '2025-01-15T05:11:00Z'))).toBe('quarantined');
    expect((await p.intake.quarantined()).map((q) => q.reason)).toEqual(['conflicting_duplicate', 'conflicting_duplicate']);
    expect([...p.hours().values()].reduce((s, t) => s + t.spend, 0n)).toBe(30000n);
  });

  it('reports of one campaign-day delivered together are decided in delivery order, however the store answers', async () => {
    const events = memoryEventStore();
    const intake = memoryIntakeLog();
    // The first write is slow, the second fast: unordered, the newer report would land first and the older one
    // would count as superseded; in delivery order both come into force, one after the other.
    let calls = 0;
    const slow = {
      ...events,
      putReport: async (r: Parameters<typeof events.putReport>[0]) => {
        if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 30));
        return events.putReport(r);
      },
    };
    const ingest = makeIngesting({ config: staticConfigSource(cfg), events: slow, intake, logger, metrics });
    const older = line(report('older', { asOf: '2025-01-15T04:00:00Z', spend: '100.00' }), '2025-01-15T05:00:00Z');
    const newer = line(report('newer', { asOf: '2025-01-15T05:00:00Z', spend: '150.00' }), '2025-01-15T05:00:00Z');
    const outcomes = await Promise.all([ingest({ messageId: 'm1', body: older, sentAtMs: 0 }), ingest({ messageId: 'm2', body: newer, sentAtMs: 0 })]);
    expect(outcomes).toEqual(['accepted', 'accepted']);
    expect(await intake.supersededReports()).toEqual([]);
  });

  it('campaigns of one channel-day add up; additive Ad Spend Recorded adds to them', async () => {
    const p = pipeline();
    await p.send(line(report('a', { asOf: '2025-01-15T05:00:00Z', spend: '100.00', campaignId: 'c-a' }), '2025-01-15T05:01:00Z'));
    await p.send(line(report('b', { asOf: '2025-01-15T05:00:00Z', spend: '40.00', campaignId: 'c-b' }), '2025-01-15T05:01:00Z'));
    await p.send(
      body(
        'Ad Spend Recorded',
        { eventId: 'add-1', occurredAt: '2025-01-15T05:00:00Z', channelId: 'tmall', campaignId: 'c-a', spend: '7.00', currency: 'CNY' },
        '2025-01-15T05:01:00Z',
      ),
    );
    expect(p.hours().get('2025-01-15T13')).toEqual({ spend: 14700n, clicks: 0n, events: 3n });
  });
});
