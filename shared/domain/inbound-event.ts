/**
 * The canonical encoding of a normalised inbound event: both the stored event body and the identity of its content.
 * Two deliveries of one `(channelId, eventId)` are duplicates exactly when their canonical encodings are equal, so
 * `"1520.5"`, `1520.50` and `"1520.50"` are the same spend.
 */
import { AD_SPEND, AD_SPEND_REPORTED, type AdFigures, type AdSpendReported, type InboundEvent, REFUND, SALE, TRAFFIC } from '../../events/normalised.ts';
import { withoutUndefined } from '../kernel/objects.ts';

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
      return JSON.stringify({ ...common, ...encodedFigures(event) });
    case TRAFFIC:
      return JSON.stringify({ ...common, visits: event.visits, store: event.storeId });
    case AD_SPEND_REPORTED: {
      // The date sits after the campaign in the canonical text (its place since the event was introduced).
      const { campaign, ...figures } = encodedFigures(event);
      return JSON.stringify({ ...common, campaign, date: event.date, ...figures });
    }
  }
}

/**
 * Whether two reports say the same thing about their (channel, campaign, date) as of the same instant, whatever
 * eventIds carried them: the second is then a redelivery of the first, and one with other figures a conflict.
 */
export function sameReport(a: AdSpendReported, b: AdSpendReported): boolean {
  return encodeEvent({ ...a, eventId: '' }) === encodeEvent({ ...b, eventId: '' });
}

// The encoded form is written only by encodeEvent, so decoding reads fields by name without re-validating.
type Encoded = Record<string, unknown>;
const str = (o: Encoded, k: string): string => String(o[k]);
const optStr = (o: Encoded, k: string): string | undefined => (o[k] === undefined ? undefined : String(o[k]));
const optNum = (o: Encoded, k: string): number | undefined => (o[k] === undefined ? undefined : Number(o[k]));

/** An ad report's figures in the canonical text (both ad events encode them alike). */
const encodedFigures = (e: AdFigures) => ({
  campaign: e.campaignId,
  spend: e.spend.toString(),
  cur: e.currency,
  imp: e.impressions,
  clk: e.clicks,
  conv: e.reportedConversions,
  rev: e.reportedRevenue?.toString(),
});

const decodedFigures = (o: Encoded) => ({
  campaignId: str(o, 'campaign'),
  spend: BigInt(str(o, 'spend')),
  currency: str(o, 'cur'),
  impressions: optNum(o, 'imp'),
  clicks: optNum(o, 'clk'),
  reportedConversions: optNum(o, 'conv'),
  reportedRevenue: o.rev === undefined ? undefined : BigInt(str(o, 'rev')),
});

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
      return withoutUndefined({ type: AD_SPEND, ...common, ...decodedFigures(o) });
    case TRAFFIC:
      return withoutUndefined({ type: TRAFFIC, ...common, visits: Number(o.visits), storeId: optStr(o, 'store') });
    case AD_SPEND_REPORTED:
      return withoutUndefined({ type: AD_SPEND_REPORTED, ...common, date: str(o, 'date'), ...decodedFigures(o) });
    default:
      throw new Error(`stored event has unknown type ${JSON.stringify(o.t)}`);
  }
}
