/**
 * The normalised inbound events: what a producer's detail means once validated, with every amount in exact
 * minor units and every instant parsed. The canonical encoding below is both the stored event body and the
 * identity of its content: two deliveries of one `(channelId, eventId)` are duplicates exactly when their
 * canonical encodings are equal, so `"1520.5"`, `1520.50` and `"1520.50"` are the same spend.
 */

export const SALE = 'Sale Recorded';
export const REFUND = 'Refund Recorded';
export const AD_SPEND = 'Ad Spend Recorded';
export const TRAFFIC = 'Traffic Recorded';

export const INBOUND_DETAIL_TYPES = [SALE, REFUND, AD_SPEND, TRAFFIC] as const;
export type InboundDetailType = (typeof INBOUND_DETAIL_TYPES)[number];

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

export interface AdSpendRecorded extends Common {
  readonly type: typeof AD_SPEND;
  readonly campaignId: string;
  readonly spend: bigint;
  readonly currency: string;
  readonly impressions?: number;
  readonly clicks?: number;
  readonly reportedConversions?: number;
  readonly reportedRevenue?: bigint;
}

export interface TrafficRecorded extends Common {
  readonly type: typeof TRAFFIC;
  readonly visits: number;
  readonly storeId?: string;
}

export type InboundEvent = SaleRecorded | RefundRecorded | AdSpendRecorded | TrafficRecorded;

/** The currency an event is denominated in, or `undefined` for events that carry no money (traffic). */
export function currencyOf(event: InboundEvent): string | undefined {
  return event.type === TRAFFIC ? undefined : event.currency;
}

/**
 * Canonical text of an event's content: fixed key order, amounts as minor-unit integer strings, the instant as
 * epoch milliseconds (so `+08:00` and the same moment in `Z` are one content). Invariant: `decodeEvent` inverts it
 * up to the instant's spelling, and equal meaning gives equal text.
 */
export function encodeEvent(event: InboundEvent): string {
  const common = { t: event.type, id: event.eventId, ch: event.channelId, at: event.occurredAtMs };
  switch (event.type) {
    case SALE:
      return JSON.stringify({
        ...common,
        store: event.storeId,
        order: event.orderId,
        cur: event.currency,
        lines: event.lines.map((l) => [l.sku, l.quantity, l.unitPrice.toString()]),
        region: event.region,
        customer: event.customerId,
      });
    case REFUND:
      return JSON.stringify({ ...common, store: event.storeId, order: event.orderId, amount: event.amount.toString(), cur: event.currency });
    case AD_SPEND:
      return JSON.stringify({
        ...common,
        campaign: event.campaignId,
        spend: event.spend.toString(),
        cur: event.currency,
        imp: event.impressions,
        clk: event.clicks,
        conv: event.reportedConversions,
        rev: event.reportedRevenue?.toString(),
      });
    case TRAFFIC:
      return JSON.stringify({ ...common, visits: event.visits, store: event.storeId });
  }
}

// The encoded form is written only by encodeEvent, so decoding reads fields by name without re-validating.
type Encoded = Record<string, unknown>;
const str = (o: Encoded, k: string): string => String(o[k]);
const optStr = (o: Encoded, k: string): string | undefined => (o[k] === undefined ? undefined : String(o[k]));
const optNum = (o: Encoded, k: string): number | undefined => (o[k] === undefined ? undefined : Number(o[k]));

/** Inverse of {@link encodeEvent}. */
export function decodeEvent(text: string): InboundEvent {
  const o = JSON.parse(text) as Encoded;
  const common = { eventId: str(o, 'id'), channelId: str(o, 'ch'), occurredAtMs: Number(o.at), occurredAt: new Date(Number(o.at)).toISOString() };
  switch (o.t) {
    case SALE:
      return withoutUndefined({
        type: SALE,
        ...common,
        storeId: str(o, 'store'),
        orderId: str(o, 'order'),
        currency: str(o, 'cur'),
        lines: (o.lines as [string, number, string][]).map(([sku, quantity, unitPrice]) => ({ sku, quantity, unitPrice: BigInt(unitPrice) })),
        region: optStr(o, 'region'),
        customerId: optStr(o, 'customer'),
      });
    case REFUND:
      return { type: REFUND, ...common, storeId: str(o, 'store'), orderId: str(o, 'order'), amount: BigInt(str(o, 'amount')), currency: str(o, 'cur') };
    case AD_SPEND:
      return withoutUndefined({
        type: AD_SPEND,
        ...common,
        campaignId: str(o, 'campaign'),
        spend: BigInt(str(o, 'spend')),
        currency: str(o, 'cur'),
        impressions: optNum(o, 'imp'),
        clicks: optNum(o, 'clk'),
        reportedConversions: optNum(o, 'conv'),
        reportedRevenue: o.rev === undefined ? undefined : BigInt(str(o, 'rev')),
      });
    case TRAFFIC:
      return withoutUndefined({ type: TRAFFIC, ...common, visits: Number(o.visits), storeId: optStr(o, 'store') });
    default:
      throw new Error(`stored event has unknown type ${JSON.stringify(o.t)}`);
  }
}

/** Drops keys whose value is `undefined`, so optional fields are absent rather than present-and-undefined. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
