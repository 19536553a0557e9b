import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardBatchEvent, ShardBatchResponse } from '../../functions/aggregate/aggregate.ts';
import type { SqsBatchInvoker } from '../../local/local-queue.ts';
import type { LocalPipeline } from '../../local/pipeline.ts';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { seedAggregates } from '../../local/seed-aggregates.ts';
import { aggregateKey, storeDayKey } from '../../shared/adapters/aggregate-store.ts';
import { rollUpDays, zeroTotals } from '../../shared/domain/aggregation.ts';
import { dynamoLocalPerFile, TWO_CHANNELS } from './harness.ts';

const { pipeline } = dynamoLocalPerFile({ beforeAll, afterAll });

const ARRIVAL_MS = Date.parse('2025-03-10T12:00:00Z');
type Fields = {
  gmv: bigint;
  orders: bigint;
  units: bigint;
  refunds: bigint;
  refundCount: bigint;
  spend: bigint;
  impressions: bigint;
  clicks: bigint;
  reportedConversions: bigint;
  visits: bigint;
  events: bigint;
};
const FIELDS = ['gmv', 'orders', 'units', 'refunds', 'refundCount', 'spend', 'impressions', 'clicks', 'reportedConversions', 'visits', 'events'] as const;
const zero = (): Fields => Object.fromEntries(FIELDS.map((f) => [f, 0n])) as Fields;

/**
 * A generated event: its delivered body and, computed without the domain code, what it adds to its business day —
 * or, for a restated report, the campaign-day it reports and its asOf (the latest one's figures are the day's).
 */
interface Generated {
  readonly id: string;
  readonly channelId: string;
  readonly day: string;
  readonly body: string;
  readonly adds: Partial<Fields>;
  readonly report?: { readonly slot: string; readonly asOfMs: number };
}

const cents = fc.integer({ min: 0, max: 5_000_000 });
const yuan = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
/** Business day in Asia/Shanghai (UTC+8, no DST), by plain arithmetic. */
const shanghaiDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

const generated = (index: number): fc.Arbitrary<Generated> =>
  fc
    .record({
      channelId: fc.constantFrom('a', 'b'),
      minutesBefore: fc.integer({ min: 0, max: 3 * 24 * 60 }),
      kind: fc.constantFrom('sale', 'refund', 'spend', 'traffic', 'report', 'report'),
      campaign: fc.constantFrom('c1', 'c2'),
      daysBack: fc.integer({ min: 0, max: 2 }),
      lines: fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 9 }), price: cents }), { minLength: 1, maxLength: 3 }),
      amount: cents,
      count: fc.integer({ min: 0, max: 100_000 }),
      numeric: fc.boolean(),
    })
    .map((g) => {
      const id = `evt-${index}`;
      const occurredMs = ARRIVAL_MS - g.minutesBefore * 60_000;
      const common = { eventId: id, occurredAt: new Date(occurredMs).toISOString(), channelId: g.channelId };
      const money = (c: number) => (g.numeric && c % 10 !== 0 ? Number(yuan(c)) : yuan(c));
      let detailType: string;
      let detail: Record<string, unknown>;
      let adds: Partial<Fields>;
      let report: Generated['report'];
      let day = shanghaiDay(occurredMs);
      switch (g.kind) {
        case 'sale':
          detailType = 'Sale Recorded';
          detail = {
            ...common,
            storeId: 's1',
            orderId: `o-${id}`,
            currency: 'CNY',
            lines: g.lines.map((l, i) => ({ sku: `SKU-${i}`, quantity: l.quantity, unitPrice: money(l.price) })),
          };
          adds = {
            gmv: g.lines.reduce((s, l) => s + BigInt(l.quantity * l.price), 0n),
            orders: 1n,
            units: BigInt(g.lines.reduce((s, l) => s + l.quantity, 0)),
          };
          break;
        case 'refund':
          detailType = 'Refund Recorded';
          detail = { ...common, storeId: 's1', orderId: `o-${id}`, amount: money(g.amount), currency: 'CNY' };
          adds = { refunds: BigInt(g.amount), refundCount: 1n };
          break;
        case 'spend':
          detailType = 'Ad Spend Recorded';
          detail = {
            ...common,
            campaignId: 'c1',
            spend: money(g.amount),
            currency: 'CNY',
            impressions: g.count * 10,
            clicks: g.count,
            reportedConversions: g.count % 97,
          };
          adds = { spend: BigInt(g.amount), impressions: BigInt(g.count * 10), clicks: BigInt(g.count), reportedConversions: BigInt(g.count % 97) };
          break;
        case 'report': {
          // Unique asOf per event (the index as milliseconds), so no two reports of a campaign-day tie.
          const asOfMs = occurredMs + index;
          day = new Date(Date.parse(`${shanghaiDay(asOfMs)}T00:00:00Z`) - g.daysBack * 86_400_000).toISOString().slice(0, 10);
          detailType = 'Ad Spend Reported';
          detail = {
            eventId: id,
            channelId: g.channelId,
            campaignId: g.campaign,
            date: day,
            asOf: new Date(asOfMs).toISOString(),
            spend: money(g.amount),
            currency: 'CNY',
            clicks: g.count,
          };
          adds = { spend: BigInt(g.amount), clicks: BigInt(g.count) };
          report = { slot: `${g.channelId} ${g.campaign} ${day}`, asOfMs };
          break;
        }
        default:
          detailType = 'Traffic Recorded';
          detail = { ...common, visits: g.count };
          adds = { visits: BigInt(g.count) };
      }
      const body = JSON.stringify({ source: 'prop.test', 'detail-type': detailType, time: new Date(ARRIVAL_MS).toISOString(), detail });
      return { id, channelId: g.channelId, day, body, adds: { ...adds, events: 1n }, ...(report ? { report } : {}) };
    });

const scenario = fc
  .integer({ min: 1, max: 40 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => generated(i))))
  .chain((events) =>
    fc.record({
      events: fc.constant(events),
      copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length }),
      order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: events.length * 3, maxLength: events.length * 3 }),
      ingestBatches: fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 10 }),
      drainAfter: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
      streamBatches: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 10 }),
      crashIngestAfterCommit: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
      crashPutAfterCommit: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
      crashAggregateAfterCommit: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
      crashCommitAfterLanding: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
    }),
  );

/** Cycles through generated flags; `once` lets a fault fire only on the first attempt of a thing, so retries succeed. */
function flags(values: readonly boolean[]) {
  let i = 0;
  const fired = new Set<string>();
  return (key: string) => {
    const value = values[i++ % values.length] as boolean;
    if (!value || fired.has(key)) return false;
    fired.add(key);
    return true;
  };
}

async function storedDays(p: LocalPipeline) {
  const out = new Map<string, Fields>();
  for (const channelId of ['a', 'b']) {
    for (const [day, totals] of rollUpDays(await p.aggregates.hours(channelId)))
      out.set(`${channelId} ${day}`, Object.fromEntries(FIELDS.map((f) => [f, totals[f]])) as Fields);
  }
  return out;
}

describe('exactly-once aggregation on DynamoDB Local', () => {
  it('equals the reference sum for any duplicates, order, batch split and crash between a write and its acknowledgement', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        // Additive events sum; of a campaign-day's reports only the latest asOf counts. `events` counts the reports
        // that were in force at some point, which depends on arrival order: checked below as accepted = distinct.
        const latest = new Map<string, Generated>();
        for (const e of s.events) {
          if (!e.report) continue;
          const held = latest.get(e.report.slot);
          if (!held || (held.report?.asOfMs ?? 0) < e.report.asOfMs) latest.set(e.report.slot, e);
        }
        const reference = new Map<string, Fields>();
        for (const e of s.events) {
          const totals = reference.get(`${e.channelId} ${e.day}`) ?? zero();
          if (!e.report || latest.get(e.report.slot) === e) for (const [f, v] of Object.entries(e.adds)) totals[f as keyof Fields] += v as bigint;
          reference.set(`${e.channelId} ${e.day}`, totals);
        }
        const withoutEvents = (days: Map<string, Fields>) => new Map([...days].map(([k, { events: _events, ...rest }]) => [k, rest]));
        // Every copy of every event, in a random arrival order.
        let k = 0;
        const deliveries = s.events
          .flatMap((e, i) =>
            Array.from({ length: s.copies[i] as number }, (_, c) => ({
              messageId: `${e.id}#${c}`,
              body: e.body,
              sentAtMs: ARRIVAL_MS,
              sort: s.order[k++] as number,
            })),
          )
          .sort((x, y) => x.sort - y.sort);

        const crashIngest = flags(s.crashIngestAfterCommit);
        const crashPut = flags(s.crashPutAfterCommit);
        const crashAggregate = flags(s.crashAggregateAfterCommit);
        const crashCommit = flags(s.crashCommitAfterLanding);
        let streamBatch = 0;
        const p = await pipeline({
          config: TWO_CHANNELS,
          stream: { batchSize: () => s.streamBatches[streamBatch++ % s.streamBatches.length] as number },
          // The whole ingest invocation dies after committing, before SQS learns the outcome: all redelivered.
          wrapIngest:
            (invoke): SqsBatchInvoker =>
            async (event) => {
              const result = await invoke(event);
              if (crashIngest(event.Records.map((r) => r.messageId).join())) throw new Error('injected: ingest crashed after commit');
              return result;
            },
          wrap: {
            // One record's put lands but its answer is lost: that record fails and is redelivered.
            events: (store) => ({
              putIfAbsent: async (event) => {
                const outcome = await store.putIfAbsent(event);
                if (crashPut(event.eventId)) throw new Error('injected: put answer lost');
                return outcome;
              },
              putReport: async (report) => {
                const outcome = await store.putReport(report);
                if (crashPut(report.eventId)) throw new Error('injected: report transaction answer lost');
                return outcome;
              },
            }),
            // An item's write lands but its answer is lost: the handler reports the batch from that item's first record.
            aggregates: (store) => ({
              ...store,
              addOnce: async (shard, addition) => {
                const result = await store.addOnce(shard, addition);
                if (crashCommit(`${addition.channelId}/${addition.hour}/${addition.last}`)) throw new Error('injected: write answer lost');
                return result;
              },
            }),
          },
          // The aggregate invocation dies after committing: the same records come again, maybe split differently.
          wrapAggregate:
            (invoke) =>
            async (event: ShardBatchEvent): Promise<ShardBatchResponse> => {
              const result = await invoke(event);
              if (crashAggregate(event.Records[0]?.dynamodb?.SequenceNumber ?? '')) throw new Error('injected: aggregate crashed after commit');
              return result;
            },
        });
        try {
          let offset = 0;
          for (let b = 0; offset < deliveries.length; b++) {
            const size = s.ingestBatches[b % s.ingestBatches.length] as number;
            const report = await p.ingest(deliveries.slice(offset, offset + size));
            expect(report.deadLettered).toEqual([]);
            offset += size;
            if (s.drainAfter[b % s.drainAfter.length]) await p.aggregate();
          }
          await p.aggregate();
          const stored = await storedDays(p);
          expect(withoutEvents(stored)).toEqual(withoutEvents(reference));
          // Every distinct event accepted once: counted in the aggregates, or (an older report) as superseded.
          const counted = [...stored.values()].reduce((n, f) => n + f.events, 0n);
          const superseded = new Set((await p.intake.supersededReports()).map((e) => e.eventId));
          expect(counted + BigInt(superseded.size)).toBe(BigInt(s.events.length));
          expect(await p.intake.quarantined()).toEqual([]);
        } finally {
          await p.stop();
        }
      }),
      { numRuns: Number(process.env.EXACTLY_ONCE_RUNS ?? 30) },
    );
  }, 240_000);

  describe('two consumers at the same time', () => {
    const events = Array.from({ length: 200 }, (_, i) => ({
      messageId: `m-${i}`,
      sentAtMs: ARRIVAL_MS,
      body: JSON.stringify({
        source: 'conc.test',
        'detail-type': 'Sale Recorded',
        time: new Date(ARRIVAL_MS).toISOString(),
        detail: {
          eventId: `e-${i}`,
          occurredAt: new Date(ARRIVAL_MS - i * 60_000).toISOString(),
          channelId: i % 3 === 0 ? 'b' : 'a',
          storeId: 's',
          orderId: `o-${i}`,
          currency: 'CNY',
          lines: [{ sku: 'X', quantity: 1 + (i % 4), unitPrice: `${i}.${String(i % 100).padStart(2, '0')}` }],
        },
      }),
    }));
    const expected = () => {
      const out = new Map<string, bigint>();
      events.forEach((_, i) => {
        const key = `${i % 3 === 0 ? 'b' : 'a'} ${shanghaiDay(ARRIVAL_MS - i * 60_000)}`;
        out.set(key, (out.get(key) ?? 0n) + BigInt(1 + (i % 4)) * BigInt(i * 100 + (i % 100)));
      });
      return out;
    };
    const gmvByDay = async (p: LocalPipeline) => new Map([...(await storedDays(p)).entries()].map(([k, v]) => [k, v.gmv]));

    it('ingest: overlapping batches delivered concurrently store each event once', async () => {
      const p = await pipeline({ config: TWO_CHANNELS });
      try {
        // Consumer 1 takes events 0–129, consumer 2 takes 70–199 (as two SQS pollers might after a visibility timeout).
        const first = events.slice(0, 130).map((m) => ({ ...m, messageId: `${m.messageId}-1` }));
        const second = events.slice(70).map((m) => ({ ...m, messageId: `${m.messageId}-2` }));
        const chunks = (list: typeof events) => Array.from({ length: Math.ceil(list.length / 10) }, (_, i) => list.slice(i * 10, i * 10 + 10));
        await Promise.all([...chunks(first), ...chunks(second)].map((chunk) => p.ingest(chunk)));
        await p.aggregate();
        expect(await gmvByDay(p)).toEqual(expected());
        expect((await p.intake.duplicates()).length).toBe(60);
      } finally {
        await p.stop();
      }
    });

    it('aggregate: two stream consumers racing over the same shard apply each record once', async () => {
      const p = await pipeline({ config: TWO_CHANNELS });
      try {
        await p.ingest(events);
        // Differently sized batches, so the two consumers' batches overlap at shifting boundaries.
        const [x, y, z] = [p.streamConsumer({ batchSize: 7 }), p.streamConsumer({ batchSize: 13 }), p.streamConsumer({ batchSize: 50 })];
        await Promise.all([x.drain(), y.drain(), z.drain()]);
        expect(await gmvByDay(p)).toEqual(expected());
        // The store's shares, kept in the same items under the same marks, are exact too (every sale names store `s`).
        const storeGmv = new Map<string, bigint>();
        for (const channelId of ['a', 'b'])
          for (const [day, stores] of await p.aggregates.storeDays(channelId, '2000-01-01', '2100-01-01'))
            storeGmv.set(`${channelId} ${day}`, stores.get('s')?.gmv ?? 0n);
        expect(storeGmv).toEqual(expected());
      } finally {
        await p.stop();
      }
    });
  });
});

describe("stores' shares on DynamoDB Local", () => {
  it('sums by business day the shares of the hours and the store-day items an earlier version wrote', async () => {
    const p = await pipeline({ config: TWO_CHANNELS });
    try {
      const sale = (hour: string, storeId: string | undefined, gmv: bigint) => ({
        channelId: 'a',
        hour,
        ...(storeId === undefined ? {} : { storeId }),
        totals: { ...zeroTotals(), events: 1n, gmv, orders: 1n },
      });
      await seedAggregates(p.aggregates, [
        sale('2025-03-10T09', undefined, 300n),
        sale('2025-03-10T09', 's1', 100n),
        sale('2025-03-10T09', 'weird@id#1', 200n),
        sale('2025-03-10T23', undefined, 50n),
        sale('2025-03-10T23', 's1', 50n),
        sale('2025-03-11T00', undefined, 7n),
        sale('2025-03-11T00', 's1', 7n),
      ]);
      // A store day as commits wrote it before the shares moved into the hours.
      await p.db.dynamo.send(
        new PutItemCommand({
          TableName: p.tables.state,
          Item: { pk: { S: aggregateKey('a') }, sk: { S: storeDayKey('2025-03-10', 's1') }, events: { N: '2' }, gmv: { N: '1000' }, orders: { N: '2' } },
        }),
      );
      const days = await p.aggregates.storeDays('a', '2025-03-10', '2025-03-10');
      expect([...days.keys()]).toEqual(['2025-03-10']);
      expect(days.get('2025-03-10')?.get('s1')).toMatchObject({ events: 4n, gmv: 1150n, orders: 4n });
      expect(days.get('2025-03-10')?.get('weird@id#1')).toMatchObject({ events: 1n, gmv: 200n });
      // The shares and the marks are not totals of the hour.
      expect((await p.aggregates.hours('a')).get('2025-03-10T09')).toEqual({ ...zeroTotals(), events: 1n, gmv: 300n, orders: 1n });
    } finally {
      await p.stop();
    }
  });
});
