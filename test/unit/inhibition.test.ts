/**
 * Inhibition as data (issue 15 part 4): while feed_stale fires, the KPI rules' notifications are muted but their
 * state evolves; after the feed recovers, a KPI alert still in breach is announced once, and one that cleared is never
 * shown. Through the alerting use case on the in-memory ports, with hour totals laid down by hand.
 */
import { describe, expect, it } from 'vitest';
import { makeAlerting } from '../../shared/app/alerting.ts';
import type { OutboundEntry } from '../../shared/app/ports.ts';
import { memoryAggregateStore, memoryAlertStore } from '../../shared/adapters/memory.ts';
import { addInto, zeroTotals } from '../../shared/domain/aggregation.ts';
import { bucketOf } from '../../shared/kernel/time.ts';
import { SALE } from '../../events/normalised.ts';
import { config } from '../fixtures.ts';
import { seedAggregates } from '../../local/seed-aggregates.ts';

const cfg = config(); // tmall: roiFloor 2, minSpend 1,000.00, staleAfterMinutes 120
const H = 3_600_000;
const START = Date.parse('2025-03-01T00:00:00+08:00');

/** Three days of hourly tmall figures at ROI 1.5 (below the floor of 2), up to `untilMs`. */
async function world(untilMs: number, gmvPerHour = 15_000n) {
  const aggregates = memoryAggregateStore();
  const deltas = [];
  for (let t = START; t < untilMs; t += H)
    deltas.push({
      channelId: 'tmall',
      hour: bucketOf(t, cfg.timezone).hour,
      totals: addInto(zeroTotals(), { events: 2n, spend: 10_000n, gmv: gmvPerHour, orders: 1n }),
    });
  await seedAggregates(aggregates, deltas);
  const alerts = memoryAlertStore();
  const published: OutboundEntry[] = [];
  const alerting = makeAlerting({
    alerts,
    aggregates,
    publisher: {
      putEvents: async (entries) => {
        published.push(...entries);
        return [];
      },
    },
  });
  return { aggregates, alerts, alerting, published };
}

const sale = (atMs: number) => ({
  event: {
    type: SALE,
    eventId: `s-${atMs}`,
    channelId: 'tmall',
    occurredAtMs: atMs,
    occurredAt: new Date(atMs).toISOString(),
    storeId: 'store-17',
    orderId: `o-${atMs}`,
    currency: 'CNY',
    lines: [{ sku: 'SKU-X', quantity: 1, unitPrice: 100n }],
  } as const,
  arrivedAtMs: atMs,
});

const told = (published: readonly OutboundEntry[]) => published.map((e) => `${e.detailType}:${String(e.detail.rule)}`);

describe('inhibition: feed_stale mutes the KPI rules, it does not drop them', () => {
  const lastEvent = START + 72 * H;

  it('a KPI alert still in breach when the feed recovers is announced once', async () => {
    const w = await world(lastEvent);
    await w.alerts.touchChannel('tmall', lastEvent - 1);
    // Three hours of silence: the feed is stale, and the ROI breach beneath it fires muted.
    await w.alerting.sweep(cfg, lastEvent + 3 * H);
    await w.alerting.publish(cfg);
    expect(told(w.published)).toEqual(['Alert Raised:feed_stale']);
    const roi = (await w.alerts.list('tmall')).alerts.find((a) => a.state.rule === 'roi_drop')?.state;
    expect(roi).toMatchObject({ status: 'firing', notified: false });
    // Events again: the feed recovers (judged as it stood, the ROI stays muted in that batch) …
    await w.alerting.evaluateEvents(cfg, [sale(lastEvent + 3 * H + 60_000)], lastEvent + 3 * H + 60_000);
    // … and the next evaluation announces the ROI alert, once, under the id it has fired with all along.
    await w.alerting.sweep(cfg, lastEvent + 3 * H + 15 * 60_000);
    await w.alerting.sweep(cfg, lastEvent + 3 * H + 30 * 60_000);
    await w.alerting.publish(cfg);
    expect(told(w.published)).toEqual(['Alert Raised:feed_stale', 'Alert Resolved:feed_stale', 'Alert Raised:roi_drop']);
    expect(w.published[2]?.detail.alertId).toBe(roi?.alertId);
  });

  it('a KPI alert that cleared while muted is never shown', async () => {
    const w = await world(lastEvent);
    await w.alerts.touchChannel('tmall', lastEvent - 1);
    await w.alerting.sweep(cfg, lastEvent + 3 * H);
    // The late figures arrive: GMV was in fact fine (ROI 4 over the window), before the feed recovers.
    const hours = [];
    for (let t = lastEvent - 24 * H; t < lastEvent; t += H)
      hours.push({ channelId: 'tmall', hour: bucketOf(t, cfg.timezone).hour, totals: addInto(zeroTotals(), { gmv: 25_000n }) });
    await seedAggregates(w.aggregates, hours, 'late');
    await w.alerting.sweep(cfg, lastEvent + 3 * H + 15 * 60_000);
    await w.alerting.evaluateEvents(cfg, [sale(lastEvent + 4 * H)], lastEvent + 4 * H);
    await w.alerting.sweep(cfg, lastEvent + 4 * H + 15 * 60_000);
    await w.alerting.publish(cfg);
    expect(told(w.published)).toEqual(['Alert Raised:feed_stale', 'Alert Resolved:feed_stale']);
    expect((await w.alerts.list('tmall')).alerts.find((a) => a.state.rule === 'roi_drop')?.state.status).toBe('resolved');
  });
});

describe('silences as data', () => {
  it('a stored silence mutes a raise; when it ends on a still-firing alert, the next sweep tells ops once', async () => {
    const { budgetedConfigSource } = await import('../../shared/app/budgeted-config.ts');
    const { memorySilenceStore, staticConfigSource } = await import('../../shared/adapters/memory.ts');
    const { makeSilencing } = await import('../../shared/app/silencing.ts');
    const silences = memorySilenceStore();
    const silencing = makeSilencing({ silences });
    const inForce = budgetedConfigSource(staticConfigSource(cfg), { book: async () => undefined }, 0, () => 0, silences);
    const T = Date.parse('2025-03-05T10:00:00+08:00');
    const created = await silencing.create(
      cfg,
      { rule: 'price_violation', channelId: 'tmall', to: new Date(T + 4 * H).toISOString(), comment: 'clearance sale' },
      'ops-lee',
      T,
    );
    expect(created.ok).toBe(true);
    const w = await world(T - 2 * H, 50_000n); // ROI 5: nothing else fires
    const dumped = { ...sale(T + H), event: { ...sale(T + H).event, lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 9900n }] } };
    await w.alerting.evaluateEvents(await inForce.current(), [dumped], T + H);
    await w.alerting.sweep(await inForce.current(), T + 2 * H);
    await w.alerting.publish(cfg);
    expect(told(w.published)).toEqual([]);
    const firing = (await w.alerts.list('tmall')).alerts.find((a) => a.state.rule === 'price_violation')?.state;
    expect(firing).toMatchObject({ status: 'firing', notified: false, count: 1 });
    // Ended early: the next sweep announces it once, under its id; the ones after say nothing more.
    if (created.ok) await silencing.expire(created.silence.id, T + 2 * H + 60_000);
    await w.alerting.sweep(await inForce.current(), T + 2 * H + 15 * 60_000);
    await w.alerting.sweep(await inForce.current(), T + 2 * H + 30 * 60_000);
    await w.alerting.publish(cfg);
    expect(told(w.published)).toEqual(['Alert Raised:price_violation']);
    expect(w.published[0]?.detail.alertId).toBe(firing?.alertId);
  });
});
