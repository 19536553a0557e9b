import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertRaisedEvent, AlertReminderSentEvent, AlertResolvedEvent } from '../../events/outbound.ts';
import type { DeliveredEvent } from '../../local/local-publisher.ts';
import type { LocalPipeline } from '../../local/pipeline.ts';
import type { SaleRecorded } from '../../events/normalised.ts';
import { decodeEvent } from '../../shared/domain/inbound-event.ts';
import { admit } from '../../shared/domain/admission.ts';
import { dynamoLocalPerFile } from './harness.ts';
import type { EventPublisher } from '../../shared/app/ports.ts';

const { pipeline } = dynamoLocalPerFile({ beforeAll, afterAll });

const CONFIG = {
  timezone: 'Asia/Shanghai',
  channels: [{ id: 'jd', name: 'JD store', kind: 'marketplace', currency: 'CNY', budget: { daily: '10000.00' }, stores: [{ id: 'jd-pop' }] }],
  prices: [{ sku: 'SERUM', guidePrice: '199.00', maxDiscountPct: 20 }],
};
const T = Date.parse('2025-11-03T06:00:00Z');
let n = 0;
const sale = (price: string, atMs = T) => {
  n += 1;
  const time = new Date(atMs).toISOString();
  return {
    messageId: `m${n}`,
    sentAtMs: atMs,
    body: JSON.stringify({
      source: 'jd.shop',
      'detail-type': 'Sale Recorded',
      time,
      detail: {
        eventId: `s${n}`,
        occurredAt: time,
        channelId: 'jd',
        storeId: 'jd-pop',
        orderId: `o${n}`,
        currency: 'CNY',
        lines: [{ sku: 'SERUM', quantity: 1, unitPrice: price }],
      },
    }),
  };
};

async function withPipeline(test: (p: LocalPipeline, delivered: DeliveredEvent[]) => Promise<void>, wrapPublisher?: (p: EventPublisher) => EventPublisher) {
  const delivered: DeliveredEvent[] = [];
  const p = await pipeline({ config: CONFIG, deliver: (e) => delivered.push(e), ...(wrapPublisher ? { wrapPublisher } : {}) });
  p.nowMs = T;
  try {
    await test(p, delivered);
  } finally {
    await p.stop();
  }
}
const types = (delivered: DeliveredEvent[]) => delivered.map((e) => e['detail-type']);

describe('alerts through the pipeline', () => {
  it('raises once per firing with a schema-valid detail, counts repeats, resolves once on compliance', async () => {
    await withPipeline(async (p, delivered) => {
      const first = sale('129.00');
      await p.ingest([first]);
      await p.aggregate();
      expect(types(delivered)).toEqual(['Alert Raised']);
      const raised = delivered[0] as DeliveredEvent;
      expect(raised.source).toBe('channel-sentinel');
      expect(AlertRaisedEvent.detail.safeParse(raised.detail).success).toBe(true);
      expect(raised.detail).toMatchObject({
        rule: 'price_violation',
        severity: 'critical',
        channelId: 'jd',
        storeId: 'jd-pop',
        sku: 'SERUM',
        observed: '129.00',
        threshold: '159.20',
      });

      // The same delivery again, and two more violations: no second Alert Raised; the count grows.
      await p.ingest([{ ...first, messageId: 'again' }, sale('139.00'), sale('149.00')]);
      await p.aggregate();
      expect(types(delivered)).toEqual(['Alert Raised']);
      const state = (await p.alerts.list('jd')).alerts.find((a) => a.state.rule === 'price_violation')?.state;
      expect(state).toMatchObject({ status: 'firing', count: 3 });
      expect(['139.00', '149.00']).toContain(state?.observed); // the last in stream order; one batch's puts land in parallel

      await p.ingest([sale('159.20')]);
      await p.aggregate();
      expect(types(delivered)).toEqual(['Alert Raised', 'Alert Resolved']);
      const resolved = delivered[1] as DeliveredEvent;
      expect(AlertResolvedEvent.detail.safeParse(resolved.detail).success).toBe(true);
      expect(resolved.detail).toMatchObject({ alertId: raised.detail.alertId, reason: 'store jd-pop sold SERUM at or above the floor again' });
    });
  });

  it('publishes an alert decided before a crash exactly once after recovery, with the same alertId', async () => {
    let crash = true;
    await withPipeline(
      async (p, delivered) => {
        await p.ingest([sale('100.00')]);
        await p.aggregate(); // state and outbox committed; the publisher "crashes"
        expect(delivered).toEqual([]);
        expect((await p.alerts.pending('jd')).length).toBe(1);
        crash = false;
        await p.aggregate(); // the retry finds nothing new to evaluate…
        await p.sweep(); // …and the sweep publishes what the outbox holds
        await p.sweep();
        expect(types(delivered)).toEqual(['Alert Raised']);
        expect((await p.alerts.pending('jd')).length).toBe(0);
        const state = (await p.alerts.list('jd')).alerts[0]?.state;
        expect(delivered[0]?.detail.alertId).toBe(state?.alertId);
      },
      (publisher) => ({
        putEvents: async (entries) => {
          if (crash) throw new Error('injected: process died before PutEvents');
          return publisher.putEvents(entries);
        },
      }),
    );
  });

  it('retries partial PutEvents failures for exactly the failed entries', async () => {
    const calls: string[][] = [];
    let failSecondOnce = true;
    await withPipeline(
      async (p, delivered) => {
        // Three stores' worth of violations in one batch: three alerts, one PutEvents call for all.
        const sales = ['101.00', '102.00', '103.00'].map((price, i) => {
          const s = sale(price);
          return { ...s, body: s.body.replace('"jd-pop"', `"store-${i}"`) };
        });
        await p.ingest(sales);
        await p.aggregate();
        expect(calls.map((c) => c.length)).toEqual([3, 1]);
        expect(calls[1]?.[0]).toBe(calls[0]?.[1]);
        expect(types(delivered)).toEqual(['Alert Raised', 'Alert Raised', 'Alert Raised']);
        expect(new Set(delivered.map((e) => e.detail.alertId)).size).toBe(3);
      },
      (publisher) => ({
        putEvents: async (entries) => {
          calls.push(entries.map((e) => String(e.detail.alertId)));
          if (failSecondOnce && entries.length > 1) {
            failSecondOnce = false;
            await publisher.putEvents(entries.filter((_, i) => i !== 1));
            return [1];
          }
          return publisher.putEvents(entries);
        },
      }),
    );
  });

  it('two concurrent evaluations of one breach raise it once', async () => {
    await withPipeline(async (p, delivered) => {
      const admitted = admit(sale('99.00').body, p.config);
      if (!admitted.ok) throw new Error(admitted.message);
      const event = decodeEvent(admitted.encoded) as SaleRecorded;
      await Promise.all(Array.from({ length: 4 }, () => p.alerting.evaluateEvents(p.config, [{ event, arrivedAtMs: T }], T)));
      await p.alerting.publish(p.config);
      expect(types(delivered)).toEqual(['Alert Raised']);
      expect((await p.alerts.list('jd')).alerts[0]?.state.count).toBe(4);
    });
  });

  it('judges the monthly budget at the top of the hour and resolves it when the month ends', async () => {
    const delivered: DeliveredEvent[] = [];
    const monthly = { ...CONFIG, channels: [{ ...CONFIG.channels[0], budget: { daily: '10000.00', monthly: '12000.00' } }] };
    const p = await pipeline({ config: monthly, deliver: (e) => delivered.push(e) });
    try {
      // 2,000.00 of spend on each of the first 5 days of the month (below the daily budget every day).
      const spends = Array.from({ length: 5 }, (_, d) => {
        const at = Date.parse(`2025-11-0${d + 1}T10:00:00+08:00`);
        return {
          messageId: `sp${d}`,
          sentAtMs: at,
          body: JSON.stringify({
            source: 'jd.ads',
            'detail-type': 'Ad Spend Recorded',
            time: new Date(at).toISOString(),
            detail: { eventId: `sp${d}`, occurredAt: new Date(at).toISOString(), channelId: 'jd', campaignId: 'c', spend: '2000.00', currency: 'CNY' },
          }),
        };
      });
      p.nowMs = Date.parse('2025-11-05T10:10:00+08:00');
      await p.ingest(spends);
      await p.aggregate();
      p.nowMs = Date.parse('2025-11-05T10:15:00+08:00'); // not the top of the hour: the month is not judged
      await p.sweep();
      expect(delivered.filter((e) => e.detail.period === 'month')).toEqual([]);
      p.nowMs = Date.parse('2025-11-05T11:00:00+08:00');
      await p.sweep();
      const month = delivered.filter((e) => e.detail.period === 'month');
      expect(month.map((e) => [e['detail-type'], e.detail.basis, e.detail.severity])).toEqual([['Alert Raised', 'actual', 'warning']]); // 10,000 of 12,000
      p.nowMs = Date.parse('2025-12-01T00:00:00+08:00');
      await p.sweep();
      const resolved = delivered.filter((e) => e['detail-type'] === 'Alert Resolved' && e.detail.alertId === month[0]?.detail.alertId);
      expect(resolved.map((e) => e.detail.reason)).toEqual(['the budget period ended']);
    } finally {
      await p.stop();
    }
  });

  it('sends reminders for a firing alert when a repeat interval is configured', async () => {
    const delivered: DeliveredEvent[] = [];
    const p = await pipeline({ config: { ...CONFIG, alerting: { repeatIntervalMinutes: 60 } }, deliver: (e) => delivered.push(e) });
    try {
      p.nowMs = T;
      await p.ingest([sale('100.00')]);
      await p.aggregate();
      for (const minutes of [15, 45, 60, 75, 120]) {
        p.nowMs = T + minutes * 60_000;
        await p.sweep();
      }
      expect(types(delivered)).toEqual(['Alert Raised', 'Alert Reminder Sent', 'Alert Reminder Sent']);
      expect(delivered.map((e) => e.detail.alertId)).toEqual(Array(3).fill(delivered[0]?.detail.alertId));
      expect(AlertReminderSentEvent.detail.safeParse(delivered[1]?.detail).success).toBe(true);
      expect(delivered[1]?.detail.remindedAt).toBe(new Date(T + 60 * 60_000).toISOString());
    } finally {
      await p.stop();
    }
  });

  it('ends a day overrun with its day: a breach on the next day is a new alert', async () => {
    const delivered: DeliveredEvent[] = [];
    const daily = { ...CONFIG, channels: [{ ...CONFIG.channels[0], budget: { daily: '1000.00' } }] };
    const p = await pipeline({ config: daily, deliver: (e) => delivered.push(e) });
    const spend = (id: string, iso: string, amount: string) => ({
      messageId: id,
      sentAtMs: Date.parse(iso),
      body: JSON.stringify({
        source: 'jd.ads',
        'detail-type': 'Ad Spend Recorded',
        time: iso,
        detail: { eventId: id, occurredAt: iso, channelId: 'jd', campaignId: 'c', spend: amount, currency: 'CNY' },
      }),
    });
    try {
      p.nowMs = Date.parse('2025-11-03T12:00:00Z'); // 20:00 in Shanghai
      await p.ingest([spend('d1', '2025-11-03T12:00:00Z', '900.00')]);
      await p.aggregate();
      p.nowMs = Date.parse('2025-11-03T16:10:00Z'); // 00:10 the next business day, first evaluation of the day
      await p.ingest([spend('d2', '2025-11-03T16:05:00Z', '850.00')]);
      await p.aggregate();
      const budget = delivered.filter((e) => e.detail.rule === 'budget_overrun');
      expect(budget.map((e) => [e['detail-type'], e.detail.reason ?? e.detail.observed])).toEqual([
        ['Alert Raised', '900.00'],
        ['Alert Resolved', 'the budget period ended'],
        ['Alert Raised', '850.00'],
      ]);
      expect(budget[2]?.detail.alertId).not.toBe(budget[0]?.detail.alertId);
    } finally {
      await p.stop();
    }
  });
});
