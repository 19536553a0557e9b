import * as z from 'zod';
import { MAX_MAJOR_DIGITS, parseMoney } from '../shared/kernel/money.ts';
import { parseInstant } from '../shared/kernel/time.ts';
import { withoutUndefined } from '../shared/kernel/objects.ts';
import {
  AD_SPEND,
  AD_SPEND_REPORTED,
  type AdSpendRecorded,
  type AdSpendReported,
  REFUND,
  type RefundRecorded,
  SALE,
  type SaleRecorded,
  TRAFFIC,
  type TrafficRecorded,
} from './normalised.ts';
import { defineEvent, type EventDefinition } from './define-event.ts';
import { businessDay, currency, identifier, instant, region } from './fields.ts';

/** Largest count (visits, impressions, clicks, conversions) one event may carry. */
export const MAX_COUNT = 1_000_000_000_000;
/** Largest quantity on one sale line. */
export const MAX_QUANTITY = 1_000_000;
/** Most lines one sale may carry (keeps a stored event within a few DynamoDB write units). */
export const MAX_LINES = 100;

const count = z.number().int().nonnegative().max(MAX_COUNT);
const moneyText = new RegExp(`^\\d{1,${MAX_MAJOR_DIGITS}}(\\.\\d+)?$`);
/** A major-unit amount; its digits are checked against the event's currency when the detail is normalised. */
const money = z
  .union([z.string().regex(moneyText, 'must be a non-negative decimal like "1520.50"'), z.number().nonnegative()])
  .meta({ description: "Amount in major units, non-negative, with at most the currency's minor digits (CNY 2, JPY 0)." });

/** Converts an amount into minor units or records an issue at `path`; `undefined` means "already reported". */
function toMinor(value: string | number, cur: string, ctx: z.RefinementCtx, path: string[]): bigint | undefined {
  const parsed = parseMoney(value, cur);
  if (parsed.ok) return parsed.minor;
  ctx.addIssue({ code: 'custom', path, message: parsed.reason });
  return undefined;
}

const occurredAtMs = (text: string): number => parseInstant(text) as number;

const saleInput = z.object({
  eventId: identifier,
  occurredAt: instant,
  channelId: identifier,
  storeId: identifier,
  orderId: identifier,
  currency,
  lines: z
    .array(z.object({ sku: identifier, quantity: z.number().int().positive().max(MAX_QUANTITY), unitPrice: money }))
    .min(1)
    .max(MAX_LINES),
  region: region.optional(),
  customerId: identifier.optional(),
});

export const SaleRecordedEvent = defineEvent({
  source: undefined,
  detailType: SALE,
  description: 'A store sold one order: one or more lines of sku × quantity at unitPrice.',
  detail: saleInput.transform((d, ctx): SaleRecorded => {
    const lines = d.lines.map((line, i) => ({ ...line, unitPrice: toMinor(line.unitPrice, d.currency, ctx, ['lines', String(i), 'unitPrice']) }));
    if (lines.some((l) => l.unitPrice === undefined)) return z.NEVER;
    return withoutUndefined({
      type: SALE,
      ...d,
      occurredAtMs: occurredAtMs(d.occurredAt),
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice as bigint })),
    });
  }),
});

export const RefundRecordedEvent = defineEvent({
  source: undefined,
  detailType: REFUND,
  description: 'Money was returned to a customer for an order.',
  detail: z
    .object({ eventId: identifier, occurredAt: instant, channelId: identifier, storeId: identifier, orderId: identifier, amount: money, currency })
    .transform((d, ctx): RefundRecorded => {
      const amount = toMinor(d.amount, d.currency, ctx, ['amount']);
      if (amount === undefined) return z.NEVER;
      return { type: REFUND, ...d, amount, occurredAtMs: occurredAtMs(d.occurredAt) };
    }),
});

/** What an ad platform reports for a campaign, the same in an additive record and a restated report. */
const adFigures = {
  spend: money,
  currency,
  impressions: count.optional(),
  clicks: count.optional(),
  reportedConversions: count.optional(),
  reportedRevenue: money.optional(),
};

/** An ad report's spend and revenue in minor units, or `undefined` when an amount was refused (the issue is recorded). */
function adMoney(
  d: { spend: string | number; currency: string; reportedRevenue?: string | number | undefined },
  ctx: z.RefinementCtx,
): { spend: bigint; reportedRevenue: bigint | undefined } | undefined {
  const spend = toMinor(d.spend, d.currency, ctx, ['spend']);
  const reportedRevenue = d.reportedRevenue === undefined ? undefined : toMinor(d.reportedRevenue, d.currency, ctx, ['reportedRevenue']);
  if (spend === undefined || (d.reportedRevenue !== undefined && reportedRevenue === undefined)) return undefined;
  return { spend, reportedRevenue };
}

export const AdSpendRecordedEvent = defineEvent({
  source: undefined,
  detailType: AD_SPEND,
  description: 'An ad platform charged spend for a campaign, with the delivery and the results it reports.',
  detail: z
    .object({ eventId: identifier, occurredAt: instant, channelId: identifier, campaignId: identifier, ...adFigures })
    .transform((d, ctx): AdSpendRecorded => {
      const amounts = adMoney(d, ctx);
      if (!amounts) return z.NEVER;
      return withoutUndefined({ type: AD_SPEND, ...d, ...amounts, occurredAtMs: occurredAtMs(d.occurredAt) });
    }),
});

export const AdSpendReportedEvent = defineEvent({
  source: undefined,
  detailType: AD_SPEND_REPORTED,
  description:
    "An ad platform's totals for one campaign and business day as of `asOf`. The report with the latest asOf for " +
    '(channelId, campaignId, date) is the day; a newer one replaces it (restatements), an older one changes nothing.',
  detail: z
    .object({
      eventId: identifier,
      channelId: identifier,
      campaignId: identifier,
      date: businessDay.meta({ description: 'The business day (YYYY-MM-DD, in the configured timezone) the totals are for.' }),
      asOf: instant.meta({ description: 'When the platform computed these totals (ISO 8601 with offset).' }),
      ...adFigures,
    })
    .transform((d, ctx): AdSpendReported => {
      const amounts = adMoney(d, ctx);
      if (!amounts) return z.NEVER;
      const { asOf, ...rest } = d;
      return withoutUndefined({
        type: AD_SPEND_REPORTED,
        ...rest,
        occurredAt: asOf,
        occurredAtMs: occurredAtMs(asOf),
        ...amounts,
      });
    }),
});

export const TrafficRecordedEvent = defineEvent({
  source: undefined,
  detailType: TRAFFIC,
  description: 'Visits a channel (or one of its stores) received.',
  detail: z
    .object({ eventId: identifier, occurredAt: instant, channelId: identifier, visits: count, storeId: identifier.optional() })
    .transform((d): TrafficRecorded => withoutUndefined({ type: TRAFFIC, ...d, occurredAtMs: occurredAtMs(d.occurredAt) })),
});

/** The inbound events, the producers' contract (SPEC §1, and `Ad Spend Reported` of §7). */
export const inboundEvents = [SaleRecordedEvent, RefundRecordedEvent, AdSpendRecordedEvent, TrafficRecordedEvent, AdSpendReportedEvent] as const;

const byDetailType = new Map<string, EventDefinition>(inboundEvents.map((d) => [d.detailType, d]));

/** The inbound definition for a detail-type, or `undefined` for one the contract does not know. */
export function inboundDefinition(detailType: string): EventDefinition | undefined {
  return byDetailType.get(detailType);
}

/**
 * The EventBridge envelope as delivered to a target (and as one line of a replay file). Only the fields the
 * pipeline reads are required; EventBridge's others (id, account, region, resources, version) pass through.
 */
export const InboundEnvelope = z.looseObject({
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  time: instant,
  detail: z.record(z.string(), z.unknown()),
});
export type InboundEnvelope = z.infer<typeof InboundEnvelope>;
