import { prefixSumsOf } from '../../shared/domain/hour-sums.ts';
import { describe, expect, it } from 'vitest';
import { SaleRecordedEvent } from '../../events/inbound.ts';
import type { SaleRecorded } from '../../events/normalised.ts';
import { makeAlerting } from '../../shared/app/alerting.ts';
import type { AlertStore, OutboundEntry, OutboxEntry } from '../../shared/app/ports.ts';
import { publishOutbox } from '../../shared/app/publishing.ts';
import type { AlertState } from '../../shared/domain/alerts/alert.ts';
import { config, validDetail } from '../fixtures.ts';

/** An alert store in memory: states by fingerprint with versions, and the outbox by partition. */
function memoryAlerts(): AlertStore {
  const states = new Map<string, { state: AlertState; version: number }>();
  const outbox = new Map<string, OutboxEntry[]>();
  return {
    get: async (_channelId, fingerprint) => states.get(fingerprint),
    list: async (channelId) => ({ alerts: [...states.values()].filter((e) => e.state.subject.channelId === channelId), lastEventAtMs: undefined }),
    save: async (channelId, list, expected, entries) => {
      const last = list[list.length - 1] as AlertState;
      if ((states.get(last.fingerprint)?.version ?? 0) !== expected) return 'conflict';
      states.set(last.fingerprint, { state: last, version: expected + 1 });
      outbox.set(channelId, [...(outbox.get(channelId) ?? []), ...entries]);
      return 'saved';
    },
    touchChannel: async () => undefined,
    pending: async (partition) => [...(outbox.get(partition) ?? [])],
    published: async (entry) => {
      outbox.set(
        entry.channelId,
        (outbox.get(entry.channelId) ?? []).filter((e) => e !== entry),
      );
    },
  };
}

const sale = (eventId: string, channelId: string, occurredAt: string, unitPrice: string): { event: SaleRecorded; arrivedAtMs: number } => {
  const parsed = SaleRecordedEvent.detail.parse({
    ...validDetail(SaleRecordedEvent, eventId),
    channelId,
    occurredAt,
    lines: [{ sku: 'SKU-1', quantity: 1, unitPrice }],
  });
  return { event: parsed, arrivedAtMs: Date.parse('2025-01-15T10:30:00Z') };
};

/** What ops would be told for one batch of sales delivered in the given order. */
async function announced(batch: ReturnType<typeof sale>[]): Promise<string[]> {
  const alerts = memoryAlerts();
  const sent: OutboundEntry[] = [];
  const alerting = makeAlerting({
    alerts,
    aggregates: { hours: async () => new Map(), hourSums: async () => prefixSumsOf(new Map()), storeDays: async () => new Map() },
    publisher: { putEvents: async (entries) => (sent.push(...entries), []) },
  });
  const cfg = config();
  await alerting.evaluateEvents(cfg, batch, Date.parse('2025-01-15T10:30:00Z'));
  await publishOutbox(
    alerts,
    { putEvents: async (entries) => (sent.push(...entries), []) },
    cfg.channels.map((c) => c.id),
  );
  return sent.map((e) => `${e.detailType} ${(e.detail as { channelId: string }).channelId}`);
}

describe('alerting in the order things happened', () => {
  // SKU-1's floor is 159.20 on tmall (20 % off 199.00) and 139.30 on douyin-live (its own 30 %).
  const dumped = sale('dumped', 'tmall', '2025-01-15T18:00:00+08:00', '120.00');
  const compliant = sale('compliant', 'tmall', '2025-01-15T18:05:00+08:00', '199.00');
  const elsewhere = sale('elsewhere', 'douyin-live', '2025-01-15T18:01:00+08:00', '99.00');

  it('lets the later sale have the last word, whatever order the stream delivered the batch in', async () => {
    const inOrder = await announced([dumped, compliant, elsewhere]);
    expect(inOrder.filter((line) => line.endsWith('tmall'))).toEqual(['Alert Raised tmall', 'Alert Resolved tmall']);
    expect(await announced([compliant, elsewhere, dumped])).toEqual(inOrder);
    expect(await announced([elsewhere, compliant, dumped])).toEqual(inOrder);
  });

  it('publishes several channels of one drain in one order: time, then channel, then place', async () => {
    expect(await announced([elsewhere, dumped])).toEqual(['Alert Raised douyin-live', 'Alert Raised tmall']);
    expect(await announced([dumped, elsewhere])).toEqual(['Alert Raised douyin-live', 'Alert Raised tmall']);
  });
});
