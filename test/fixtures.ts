/** Test fixtures built from the event definitions themselves, so a contract change breaks them loudly. */
import type { EventDefinition } from '../events/define-event.ts';
import { AdSpendRecordedEvent, AdSpendReportedEvent, RefundRecordedEvent, SaleRecordedEvent, TrafficRecordedEvent } from '../events/inbound.ts';
import { parseConfig, type SentinelConfig } from '../shared/domain/config.ts';

export const ARRIVAL = '2025-01-15T10:05:00Z';

export const CONFIG_DOCUMENT = {
  timezone: 'Asia/Shanghai',
  channels: [
    {
      id: 'tmall',
      name: 'Tmall flagship store',
      kind: 'marketplace',
      currency: 'CNY',
      budget: { daily: '20000.00', monthly: '600000.00' },
      rules: { roiFloor: 2.0, roiDropPct: 30, minSpend: '1000.00', staleAfterMinutes: 120 },
      stores: [{ id: 'store-17', authorizedRegions: ['CN-31', 'CN-32'] }],
    },
    { id: 'douyin-live', name: 'Douyin live room', kind: 'live_stream', currency: 'CNY', budget: { daily: '30000.00' } },
    { id: 'rakuten', name: 'Rakuten Japan', kind: 'marketplace', currency: 'JPY', budget: { daily: '500000' } },
  ],
  prices: [{ sku: 'SKU-1', guidePrice: '199.00', maxDiscountPct: 20, channels: { 'douyin-live': { maxDiscountPct: 30 } } }],
  promotions: [
    { id: 'double-11', channelIds: ['tmall'], skus: ['SKU-1'], from: '2025-11-10T20:00:00+08:00', to: '2025-11-12T00:00:00+08:00', maxDiscountPct: 40 },
  ],
  reallocation: { lookbackDays: 14, minDays: 7, maxShiftPct: 20, minDailyBudget: '500.00' },
};

export function config(): SentinelConfig {
  const parsed = parseConfig(CONFIG_DOCUMENT);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

/** A valid detail for each inbound definition (all optional fields present). */
export function validDetail(definition: EventDefinition, eventId = 'evt-1'): Record<string, unknown> {
  const common = { eventId, occurredAt: '2025-01-15T18:00:00+08:00', channelId: 'tmall' };
  switch (definition) {
    case SaleRecordedEvent:
      return {
        ...common,
        storeId: 'store-17',
        orderId: `order-${eventId}`,
        currency: 'CNY',
        lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '189.00' }],
        region: 'CN-31',
        customerId: 'cust-9',
      };
    case RefundRecordedEvent:
      return { ...common, storeId: 'store-17', orderId: `order-${eventId}`, amount: '189.00', currency: 'CNY' };
    case AdSpendRecordedEvent:
      return {
        ...common,
        campaignId: 'cmp-3',
        spend: '1520.50',
        currency: 'CNY',
        impressions: 120000,
        clicks: 3100,
        reportedConversions: 61,
        reportedRevenue: '30500.00',
      };
    case TrafficRecordedEvent:
      return { ...common, visits: 4200, storeId: 'store-17' };
    case AdSpendReportedEvent:
      return {
        eventId,
        channelId: 'tmall',
        campaignId: 'cmp-3',
        date: '2025-01-15',
        asOf: '2025-01-15T18:00:00+08:00',
        spend: '1520.50',
        currency: 'CNY',
        impressions: 120000,
        clicks: 3100,
        reportedConversions: 61,
        reportedRevenue: '30500.00',
      };
    default:
      throw new Error(`no fixture for ${definition.detailType}`);
  }
}

/** An event in EventBridge's delivered shape, as one replay line or one SQS body. */
export function envelope(definition: EventDefinition | string, detail: Record<string, unknown>, time = ARRIVAL): Record<string, unknown> {
  return { source: 'test.producer', 'detail-type': typeof definition === 'string' ? definition : definition.detailType, time, detail };
}

export const body = (definition: EventDefinition | string, detail: Record<string, unknown>, time = ARRIVAL) =>
  JSON.stringify(envelope(definition, detail, time));
