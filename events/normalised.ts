/**
 * The normalised inbound events: what a producer's detail means once the contract has validated it, with every
 * amount in exact minor units and every instant parsed. The contract's definitions (`inbound.ts`) produce these
 * types; the domain takes them from here.
 */
export const SALE = 'Sale Recorded';
export const REFUND = 'Refund Recorded';
export const AD_SPEND = 'Ad Spend Recorded';
export const TRAFFIC = 'Traffic Recorded';
export const AD_SPEND_REPORTED = 'Ad Spend Reported';

interface Common {
  readonly eventId: string;
  readonly channelId: string;
  /** ISO 8601 text of the instant (the producer's own text on ingest; UTC when read back from storage). */
  readonly occurredAt: string;
  /** The same instant in epoch milliseconds. */
  readonly occurredAtMs: number;
}

export interface SaleLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: bigint;
}

export interface SaleRecorded extends Common {
  readonly type: typeof SALE;
  readonly storeId: string;
  readonly orderId: string;
  readonly currency: string;
  readonly lines: readonly SaleLine[];
  readonly region?: string;
  readonly customerId?: string;
}

export interface RefundRecorded extends Common {
  readonly type: typeof REFUND;
  readonly storeId: string;
  readonly orderId: string;
  readonly amount: bigint;
  readonly currency: string;
}

/** What an ad platform reports for a campaign: spend, delivery and the results it claims. */
export interface AdFigures {
  readonly campaignId: string;
  readonly spend: bigint;
  readonly currency: string;
  readonly impressions?: number;
  readonly clicks?: number;
  readonly reportedConversions?: number;
  readonly reportedRevenue?: bigint;
}

export interface AdSpendRecorded extends Common, AdFigures {
  readonly type: typeof AD_SPEND;
}

export interface TrafficRecorded extends Common {
  readonly type: typeof TRAFFIC;
  readonly visits: number;
  readonly storeId?: string;
}

/**
 * An ad platform's totals for one campaign and business day as computed at `asOf`: a report that replaces the
 * previous report of the same (channelId, campaignId, date), not an addition to it. `occurredAt`/`occurredAtMs` are
 * `asOf`, the instant the figures describe, so the rules and the feed's freshness treat it like any other event.
 */
export interface AdSpendReported extends Common, AdFigures {
  readonly type: typeof AD_SPEND_REPORTED;
  /** The business day (`YYYY-MM-DD`, configured timezone) the totals are for. */
  readonly date: string;
}

export type InboundEvent = SaleRecorded | RefundRecorded | AdSpendRecorded | TrafficRecorded | AdSpendReported;
