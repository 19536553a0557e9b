import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addInto, deltaOf, kpisOf, preAggregate, rollUpDays, subtractInto, type Totals, TOTAL_FIELDS, zeroTotals } from '../../shared/domain/aggregation.ts';
import { AD_SPEND, type InboundEvent, REFUND, SALE, TRAFFIC } from '../../events/normalised.ts';
import { decodeEvent, encodeEvent } from '../../shared/domain/inbound-event.ts';
import { isAfter, pendingAfter, planItems, type ShardRecord } from '../../shared/domain/stream-apply.ts';

const HOUR = 3_600_000;
const base = Date.parse('2025-01-15T00:00:00Z');

/** Arbitrary valid events on a few channels and hours: the shapes the pipeline accepts. */
export const eventArb = (id: fc.Arbitrary<string> = fc.uuid()): fc.Arbitrary<InboundEvent> =>
  fc.oneof(
    fc
      .record({
        eventId: id,
        channelId: fc.constantFrom('a', 'b'),
        h: fc.integer({ min: 0, max: 47 }),
        lines: fc.array(
          fc.record({ sku: fc.constantFrom('S1', 'S2'), quantity: fc.integer({ min: 1, max: 5 }), unitPrice: fc.bigInt({ min: 0n, max: 10n ** 8n }) }),
          { minLength: 1, maxLength: 3 },
        ),
      })
      .map(({ h, ...e }): InboundEvent => ({
        type: SALE,
        ...e,
        occurredAtMs: base + h * HOUR,
        occurredAt: new Date(base + h * HOUR).toISOString(),
        storeId: 's',
        orderId: `o-${e.eventId}`,
        currency: 'CNY',
      })),
    fc
      .record({ eventId: id, channelId: fc.constantFrom('a', 'b'), h: fc.integer({ min: 0, max: 47 }), amount: fc.bigInt({ min: 0n, max: 10n ** 8n }) })
      .map(({ h, ...e }): InboundEvent => ({
        type: REFUND,
        ...e,
        occurredAtMs: base + h * HOUR,
        occurredAt: new Date(base + h * HOUR).toISOString(),
        storeId: 's',
        orderId: 'o',
        currency: 'CNY',
      })),
    fc
      .record({
        eventId: id,
        channelId: fc.constantFrom('a', 'b'),
        h: fc.integer({ min: 0, max: 47 }),
        spend: fc.bigInt({ min: 0n, max: 10n ** 8n }),
        impressions: fc.nat(10 ** 6),
        clicks: fc.nat(10 ** 4),
        reportedConversions: fc.nat(100),
        reportedRevenue: fc.bigInt({ min: 0n, max: 10n ** 8n }),
      })
      .map(({ h, ...e }): InboundEvent => ({
        type: AD_SPEND,
        ...e,
        occurredAtMs: base + h * HOUR,
        occurredAt: new Date(base + h * HOUR).toISOString(),
        campaignId: 'c',
        currency: 'CNY',
      })),
    fc
      .record({ eventId: id, channelId: fc.constantFrom('a', 'b'), h: fc.integer({ min: 0, max: 47 }), visits: fc.nat(10 ** 6) })
      .map(({ h, ...e }): InboundEvent => ({ type: TRAFFIC, ...e, occurredAtMs: base + h * HOUR, occurredAt: new Date(base + h * HOUR).toISOString() })),
  );

const bucket = (e: InboundEvent) => {
  const iso = new Date(e.occurredAtMs).toISOString();
  return { day: iso.slice(0, 10), hour: iso.slice(0, 13) };
};

describe('addInto', () => {
  it('adds every field of the totals, each into itself and nowhere else', () => {
    TOTAL_FIELDS.forEach((field, i) => {
      const into = zeroTotals();
      into[field] = 5n;
      addInto(into, { [field]: BigInt(i + 1) });
      for (const other of TOTAL_FIELDS) expect([other, into[other]]).toEqual([other, other === field ? 5n + BigInt(i + 1) : 0n]);
    });
  });
});

describe('subtractInto', () => {
  it('takes every field back out of itself and nowhere else: what addInto added, subtractInto removes', () => {
    TOTAL_FIELDS.forEach((field, i) => {
      const delta = zeroTotals();
      delta[field] = BigInt(i + 1);
      const into = zeroTotals();
      into[field] = 5n;
      subtractInto(into, delta);
      for (const other of TOTAL_FIELDS) expect([other, into[other]]).toEqual([other, other === field ? 5n - BigInt(i + 1) : 0n]);
      expect(subtractInto(addInto(into, delta), delta)).toEqual(into);
    });
  });
});

describe('deltaOf', () => {
  it('sums lines exactly into GMV and units', () => {
    const sale: InboundEvent = {
      type: SALE,
      eventId: 'e',
      channelId: 'a',
      occurredAtMs: base,
      occurredAt: '',
      storeId: 's',
      orderId: 'o',
      currency: 'CNY',
      lines: [
        { sku: 'A', quantity: 3, unitPrice: 18900n },
        { sku: 'B', quantity: 1, unitPrice: 1n },
      ],
    };
    expect(deltaOf(sale)).toEqual({ events: 1n, gmv: 56701n, orders: 1n, units: 4n });
  });
  it('counts a refund and a spend report', () => {
    expect(
      deltaOf({ type: REFUND, eventId: 'e', channelId: 'a', occurredAtMs: base, occurredAt: '', storeId: 's', orderId: 'o', amount: 500n, currency: 'CNY' }),
    ).toEqual({ events: 1n, refunds: 500n, refundCount: 1n });
    expect(
      deltaOf({ type: AD_SPEND, eventId: 'e', channelId: 'a', occurredAtMs: base, occurredAt: '', campaignId: 'c', spend: 152050n, currency: 'CNY' }),
    ).toMatchObject({ spend: 152050n, impressions: 0n, reportedRevenue: 0n });
  });
});

describe('preAggregate', () => {
  it('equals the per-event sum in every bucket, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(eventArb(), { maxLength: 60 }), fc.nat(), (events, seed) => {
        const shuffled = [...events].sort((x, y) => (x.eventId.charCodeAt(seed % 8) ?? 0) - (y.eventId.charCodeAt(seed % 8) ?? 0));
        const deltas = preAggregate(shuffled.map((event) => ({ event, bucket: bucket(event) })));
        // Every event counts in its channel's hour; a sale, a refund or store traffic also in its store's share of it.
        const reference = new Map<string, Totals>();
        const add = (key: string, e: InboundEvent) => reference.set(key, addInto(reference.get(key) ?? zeroTotals(), deltaOf(e)));
        for (const e of events) {
          add(`${e.channelId}|${bucket(e).hour}`, e);
          const store = 'storeId' in e ? e.storeId : undefined;
          if (store !== undefined && e.type !== AD_SPEND) add(`${e.channelId}|${bucket(e).hour}|${store}`, e);
        }
        const keyOf = (d: { channelId: string; hour: string; storeId?: string }) => `${d.channelId}|${d.hour}${d.storeId === undefined ? '' : `|${d.storeId}`}`;
        expect(new Map(deltas.map((d) => [keyOf(d), d.totals]))).toEqual(reference);
        expect(deltas.map(keyOf)).toEqual([...reference.keys()].sort((x, y) => (x.replaceAll('|', '\u0000') < y.replaceAll('|', '\u0000') ? -1 : 1)));
      }),
    );
  });
});

describe('planItems', () => {
  const records = (events: InboundEvent[]): ShardRecord[] =>
    events.map((event, i) => ({
      sequenceNumber: String(100 + i * 7),
      item: i % 5 === 4 ? undefined : { event, bucket: bucket(event), arrivedAtMs: event.occurredAtMs },
    }));

  it('puts every record that adds in exactly one item, in shard order, with the items in order of their first record', () => {
    fc.assert(
      fc.property(fc.array(eventArb(), { maxLength: 80 }), fc.nat(), (events, seed) => {
        const recs = records(events);
        // Delivered in any order: a batch's records are put in shard order first.
        const shuffled = [...recs].sort((x, y) => ((Number(x.sequenceNumber) * (seed + 1)) % 97) - ((Number(y.sequenceNumber) * (seed + 1)) % 97));
        const items = planItems(shuffled);
        const placed = items.flatMap((item) => item.records.map((r) => r.sequenceNumber));
        expect([...placed].sort((x, y) => Number(x) - Number(y))).toEqual(recs.filter((r) => r.item).map((r) => r.sequenceNumber));
        for (const item of items) {
          const seqs = item.records.map((r) => Number(r.sequenceNumber));
          expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
          for (const r of item.records) expect([r.item.event.channelId, r.item.bucket.hour]).toEqual([item.channelId, item.hour]);
        }
        const firsts = items.map((item) => Number(item.records[0]?.sequenceNumber));
        expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
        expect(new Set(items.map((item) => `${item.channelId} ${item.hour}`)).size).toBe(items.length);
        // The items' deltas sum exactly the batch.
        const summed = (deltas: { totals: Totals }[]) => deltas.reduce((t, d) => addInto(t, d.totals), zeroTotals());
        const all = summed(items.flatMap((item) => preAggregate(item.records.map((r) => r.item))));
        const reference = summed(preAggregate(recs.flatMap((r) => (r.item ? [r.item] : []))));
        for (const f of TOTAL_FIELDS) expect(all[f]).toBe(reference[f]);
      }),
    );
  });

  it('compares sequence numbers as numbers, not text', () => {
    expect(isAfter('10', '9')).toBe(true);
    expect(isAfter('9', '10')).toBe(false);
    expect(isAfter('1', undefined)).toBe(true);
    const recs: ShardRecord[] = ['9', '10', '11', '100'].map((sequenceNumber) => ({ sequenceNumber, item: undefined }));
    expect(pendingAfter(recs, '10').map((r) => r.sequenceNumber)).toEqual(['11', '100']);
    expect(pendingAfter([...recs].reverse(), undefined).map((r) => r.sequenceNumber)).toEqual(['9', '10', '11', '100']);
  });
});

describe('encodeEvent / decodeEvent', () => {
  it('round-trips every event', () => {
    fc.assert(
      fc.property(eventArb(), (event) => {
        expect(decodeEvent(encodeEvent(event))).toEqual({ ...event, occurredAt: new Date(event.occurredAtMs).toISOString() });
      }),
    );
  });
});

describe('rollUpDays', () => {
  it('makes each day the exact sum of its hours', () => {
    fc.assert(
      fc.property(fc.array(eventArb(), { maxLength: 60 }), (events) => {
        const hours = new Map(
          preAggregate(events.map((event) => ({ event, bucket: bucket(event) })))
            .filter((d) => d.channelId === 'a' && d.storeId === undefined)
            .map((d) => [d.hour, d.totals]),
        );
        const days = rollUpDays(hours);
        const reference = new Map<string, Totals>();
        for (const e of events.filter((x) => x.channelId === 'a'))
          reference.set(bucket(e).day, addInto(reference.get(bucket(e).day) ?? zeroTotals(), deltaOf(e)));
        expect(days).toEqual(new Map([...reference.entries()].sort(([x], [y]) => x.localeCompare(y))));
        expect([...days.keys()]).toEqual([...days.keys()].sort());
      }),
    );
  });
});

describe('kpisOf', () => {
  it('derives the SPEC §3 ratios and leaves undefined ones null', () => {
    const t = { ...zeroTotals(), gmv: 400000n, orders: 20n, visits: 1000n, spend: 100000n, refunds: 20000n, impressions: 50000n, clicks: 1000n };
    expect(kpisOf(t)).toEqual({ aov: 20000, conversionRate: 0.02, roi: 4, refundRate: 0.05, ctr: 0.02, costPerOrder: 5000 });
    expect(kpisOf(zeroTotals())).toEqual({ aov: null, conversionRate: null, roi: null, refundRate: null, ctr: null, costPerOrder: null });
  });
});
