/**
 * The rules checkpoint moves when evaluating saved a transition, and otherwise at most every
 * RULES_CHECKPOINT_LAG_MS of the evaluation clock: a batch that changed nothing can be evaluated again without effect.
 */
import { describe, expect, it } from 'vitest';
import { SaleRecordedEvent } from '../../events/inbound.ts';
import { seedAggregates } from '../../local/seed-aggregates.ts';
import { makeShardProcessor, RULES_CHECKPOINT_LAG_MS } from '../../shared/app/aggregating.ts';
import { admit } from '../../shared/domain/admission.ts';
import { preAggregate } from '../../shared/domain/aggregation.ts';
import type { ShardRecord } from '../../shared/domain/stream-apply.ts';
import { memoryServices } from '../../shared/runtime/compose.ts';
import { quietObservability } from '../functions/setup.ts';
import { body, config, validDetail } from '../fixtures.ts';

const ARRIVAL = Date.parse('2025-01-15T10:05:00Z');
let seq = 100;
/** A tmall sale of SKU-1 at `unitPrice` (the floor is 159.20), as the stream would hand it over. */
function sale(unitPrice: string): ShardRecord {
  const id = `e${++seq}`;
  const accepted = admit(body(SaleRecordedEvent, { ...validDetail(SaleRecordedEvent, id), lines: [{ sku: 'SKU-1', quantity: 1, unitPrice }] }), config());
  if (!accepted.ok) throw new Error(accepted.message);
  return { sequenceNumber: String(seq), item: { event: accepted.event, bucket: accepted.bucket, arrivedAtMs: ARRIVAL } };
}

describe('the rules checkpoint', () => {
  it('moves when a transition was saved or it lags the bound, not after every batch that changed nothing', async () => {
    const s = memoryServices(config(), { putEvents: async () => [] });
    const moves: string[] = [];
    let nowMs = ARRIVAL;
    const process = makeShardProcessor({
      aggregates: { ...s.aggregates, moveCheckpoint: (shard, expected, next) => (moves.push(next), s.aggregates.moveCheckpoint(shard, expected, next)) },
      alerting: { service: s.alerting, config: s.budgetedConfig, clock: () => nowMs },
      ...quietObservability(),
    });
    const run = async (record: ShardRecord) => expect(await process('shard-1', [record])).toBeUndefined();

    await run(sale('199.00')); // the process's first batch: moved
    await run(sale('199.00')); // nothing changed: not moved
    await run(sale('120.00')); // price_violation raised: moved
    nowMs += 60_000;
    await run(sale('100.00')); // still firing, its count moves: a saved transition, moved
    nowMs += RULES_CHECKPOINT_LAG_MS - 1;
    await run(sale('199.00')); // a compliant sale resolves it: moved
    await run(sale('199.00')); // nothing changed, within the bound: not moved
    nowMs += RULES_CHECKPOINT_LAG_MS;
    const late = sale('199.00');
    await run(late); // nothing changed, but the bound passed: moved
    expect(moves).toEqual(['101', '103', '104', '105', '107']);
    expect(await s.aggregates.readCheckpoint('rules:shard-1')).toBe(late.sequenceNumber);
    // Every sale is in the aggregates whether or not the checkpoint moved after it.
    const hours = await s.aggregates.hours('tmall');
    expect([...hours.values()].reduce((n, t) => n + t.events, 0n)).toBe(7n);
  });
});

describe('a shard checkpoint from before the marks', () => {
  it('keeps the records it covers from being added again, and they are still evaluated when the rules have not seen them', async () => {
    const s = memoryServices(config(), { putEvents: async () => [] });
    const records = [sale('199.00'), sale('199.00'), sale('120.00'), sale('199.00')];
    // The earlier version added the first three (their transaction moved `CKPT#shard-1`) and crashed before the rules.
    await seedAggregates(s.aggregates, preAggregate(records.slice(0, 3).map((r) => r.item as NonNullable<ShardRecord['item']>)));
    await s.aggregates.moveCheckpoint('shard-1', undefined, records[2]?.sequenceNumber as string);
    const process = makeShardProcessor({
      aggregates: s.aggregates,
      alerting: { service: s.alerting, config: s.budgetedConfig, clock: () => ARRIVAL },
      ...quietObservability(),
    });
    expect(await process('shard-1', records)).toBeUndefined();
    const hours = await s.aggregates.hours('tmall');
    expect([...hours.values()].reduce((n, t) => n + t.events, 0n)).toBe(4n);
    // The dumped sale among the three was evaluated now: its alert was raised and resolved by the last sale.
    const states = (await s.alerts.list('tmall')).alerts.map((a) => [a.state.rule, a.state.status]);
    expect(states).toEqual([['price_violation', 'resolved']]);
  });
});

describe('a configuration that cannot be read while evaluating', () => {
  it('fails the evaluation from its first record, keeps what was added, and the retry evaluates it once', async () => {
    const s = memoryServices(config(), { putEvents: async () => [] });
    let unreadable = true;
    const process = makeShardProcessor({
      aggregates: s.aggregates,
      alerting: {
        service: s.alerting,
        config: { current: () => (unreadable ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : s.budgetedConfig.current()) },
        clock: () => ARRIVAL,
      },
      ...quietObservability(),
    });
    const records = [sale('199.00'), sale('120.00')];
    // Lambda is told to retry from the first record the rules have not seen; nothing is thrown at it.
    expect(await process('shard-1', records)).toBe(records[0]?.sequenceNumber);
    expect(await s.aggregates.readCheckpoint('rules:shard-1')).toBeUndefined();
    unreadable = false;
    expect(await process('shard-1', records)).toBeUndefined();
    const hours = await s.aggregates.hours('tmall');
    expect([...hours.values()].reduce((n, t) => n + t.events, 0n)).toBe(2n); // added once, though delivered twice
    expect((await s.alerts.list('tmall')).alerts.map((a) => [a.state.rule, a.state.status])).toEqual([['price_violation', 'firing']]);
  });
});
